package org.emoflow.model.checkpoint;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.MappedByteBuffer;

/**
 * Unmaps a file region as soon as its bytes are copied. Left to the garbage collector, every mapped
 * tensor's pages would stay resident (and count in the process's RSS) until a collection that may never
 * come, doubling the memory a load takes. Where the JDK offers no way to unmap (it is an unsupported
 * API), the region is left to the collector.
 */
final class MappedRegions {
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method cleaner = null;
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      Field field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      unsafe = field.get(null);
      cleaner = type.getMethod("invokeCleaner", java.nio.ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException unavailable) {
      unsafe = null;
      cleaner = null;
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = cleaner;
  }

  private MappedRegions() {}

  /** The region must not be used afterwards: nothing may still alias it. */
  static void unmap(MappedByteBuffer region) {
    if (INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, region);
    } catch (ReflectiveOperationException | RuntimeException leftToTheCollector) {
      // The mapping is released when the buffer is collected.
    }
  }
}

package org.emoflow.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Provokes what a long training run does by chance: collects unreachable direct buffers (which frees
 * their native memory) and allocates that memory again, filled with a poison value. A tensor that still
 * points into freed Java memory then reads the poison instead of its data.
 */
public final class TestMemory {
  private static final float POISON = 1e30f;

  private TestMemory() {}

  /** Returns the poison buffers; keep them reachable until the check that could read them is done. */
  public static List<ByteBuffer> reclaimAndPoisonFreedDirectMemory() throws InterruptedException {
    System.gc();
    // Direct buffers are freed by the reference handler after the collection, not during it.
    Thread.sleep(100);
    List<ByteBuffer> poison = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
      buffer.putFloat(0, POISON).putFloat(4, POISON);
      poison.add(buffer);
    }
    return poison;
  }
}

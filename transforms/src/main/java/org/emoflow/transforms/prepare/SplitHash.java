package org.emoflow.transforms.prepare;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.emoflow.model.io.Checksums;

/**
 * The stable hash of a document id (first 8 bytes of its SHA-256): the same on every runner, JVM and
 * version, so the train/validation split is a function of the id alone.
 */
public final class SplitHash {
  private SplitHash() {}

  public static long of(String id) {
    return ByteBuffer.wrap(Checksums.newSha256().digest(id.getBytes(StandardCharsets.UTF_8))).getLong();
  }

  /** The hash as a uniform number in [0, 1). */
  public static double unit(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }

  public static boolean isValidation(long hash, double validationFraction) {
    return unit(hash) < validationFraction;
  }
}

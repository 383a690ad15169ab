package org.emoflow.transforms.prepare;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The stable hash of a document id (first 8 bytes of its SHA-256): the same on every runner, JVM and
 * version, so the train/validation split is a function of the id alone.
 */
public final class SplitHash {
  private SplitHash() {}

  public static long of(String id) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The hash as a uniform number in [0, 1). */
  public static double unit(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }

  public static boolean isValidation(long hash, double validationFraction) {
    return unit(hash) < validationFraction;
  }
}

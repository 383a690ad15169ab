package org.emoflow.transforms.prepare;

import java.util.Optional;

/**
 * Prepare read its inputs and found not one usable document, so it writes no manifest: an output without
 * a single sequence must not look like a finished dataset. The message says what was read and which files.
 */
public final class NothingToPackException extends IllegalStateException {
  NothingToPackException(String message) {
    super(message);
  }

  /**
   * The message of such an exception among a failed pipeline's causes. A runner may hand it back as its
   * own copy (Flink's SerializedThrowable), which keeps the class name in its text.
   */
  public static Optional<String> messageIn(Throwable failure) {
    String prefix = NothingToPackException.class.getName() + ": ";
    for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof NothingToPackException) {
        return Optional.of(cause.getMessage());
      }
      String text = cause.toString();
      if (text.startsWith(prefix)) {
        return Optional.of(text.substring(prefix.length()));
      }
    }
    return Optional.empty();
  }
}

package org.emoflow.model.eval;

/** A task file that cannot be scored; the message names the file, the line and the fault. */
public final class InvalidTaskException extends java.io.IOException {
  public InvalidTaskException(String message) {
    super(message);
  }
}

package org.emoflow.model.data;

/** A data directory that is not what a command expects; the message says what is missing. */
public final class InvalidDatasetException extends java.io.IOException {
  public InvalidDatasetException(String message) {
    super(message);
  }
}

package org.emoflow.model.checkpoint;

/** A checkpoint (or one of its files) that fails its checks; the message names the file and the fault. */
public final class CorruptCheckpointException extends java.io.IOException {
  public CorruptCheckpointException(String message) {
    super(message);
  }
}

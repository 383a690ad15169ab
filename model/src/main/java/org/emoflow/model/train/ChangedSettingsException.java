package org.emoflow.model.train;

/**
 * The newest checkpoint in a training output was written with other model or training settings, so the
 * run cannot resume from it; the message names the checkpoint and every setting that differs.
 */
public final class ChangedSettingsException extends IllegalStateException {
  public ChangedSettingsException(String message) {
    super(message);
  }
}

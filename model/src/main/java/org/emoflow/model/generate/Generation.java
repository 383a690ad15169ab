package org.emoflow.model.generate;

import java.util.Locale;

/**
 * What one prompt produced.
 *
 * @param tokens the generated ids, without the EOS that ended them
 */
public record Generation(int[] tokens, StopReason stopReason) {
  /** Why generation ended. */
  public enum StopReason {
    /** The model wrote the end-of-document token. */
    EOS,
    /** The text reached a stop string (the tokens include it). */
    STOP,
    /** max_new_tokens generated, or the model's seq_len filled. */
    LENGTH;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}

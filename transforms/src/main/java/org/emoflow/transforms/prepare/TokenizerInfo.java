package org.emoflow.transforms.prepare;

import java.io.Serializable;

/** What the manifest records of the tokenizer, read once in the driver when the options are checked. */
public record TokenizerInfo(String spec, String backend, String fingerprint, int vocabSize, int eosId)
    implements Serializable {

  /** Padding reuses EOS: padded positions are masked out of attention and loss anyway. */
  public int padId() {
    return eosId;
  }
}

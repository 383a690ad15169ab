package org.emoflow.model.data.packing;

/** A tokenized document ready to pack: its tokens already end with EOS. */
public record PackableDocument(String id, String domain, int[] tokens) {
  public int length() {
    return tokens.length;
  }
}

package org.emoflow.model.generate;

/**
 * A batch of documents being written token by token: the model's logits for each row's next token, and
 * a way to append the chosen ones. {@link CachedDecoder} keeps every layer's keys and values and feeds
 * the model only the new tokens; {@link RecomputingDecoder} runs the whole sequences again each step
 * (the reference, and the baseline of {@code bench-generate}).
 */
public interface Decoder extends AutoCloseable {
  /** B, the documents being written. */
  int rows();

  /** [B][V]: the logits of the token that follows each row's sequence so far. */
  float[][] logits();

  /** Appends one token to every row and computes the next logits. */
  void append(int[] tokens);

  @Override
  void close();
}

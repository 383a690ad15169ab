package org.emoflow.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;

/**
 * Decoding without a cache: every step runs the whole sequences (prompt and tokens so far) through the
 * model again, as evaluation would score them, and reads the logits after each row's last token. The
 * reference {@link CachedDecoder} must agree with, and the baseline it is timed against. EMO with a pool
 * routes every token in the pool the prompt chose, as {@link CachedDecoder} does.
 */
public final class RecomputingDecoder implements Decoder {
  private final LanguageModel model;
  private final ExpertRestriction restriction;
  private final NDManager state;
  private final List<int[]> sequences = new ArrayList<>();
  private final NDArray[] pools;
  private float[][] logits;

  /** @param restriction kept experts per layer, or null for the full model */
  public RecomputingDecoder(LanguageModel model, ExpertRestriction restriction, List<int[]> prompts) {
    this.model = model;
    this.restriction = restriction;
    this.state = model.manager().newSubManager();
    prompts.forEach(prompt -> sequences.add(prompt.clone()));
    try {
      PromptPass pass = PromptPass.run(model, restriction, sequences, null, null, state);
      this.pools = pass.pools;
      this.logits = pass.logits;
    } catch (RuntimeException e) {
      state.close();
      throw e;
    }
  }

  @Override
  public int rows() {
    return sequences.size();
  }

  @Override
  public float[][] logits() {
    return logits;
  }

  @Override
  public void append(int[] tokens) {
    if (tokens.length != rows()) {
      throw new IllegalArgumentException("one token per row: " + rows() + " rows, " + tokens.length + " tokens");
    }
    for (int row = 0; row < tokens.length; row++) {
      int[] longer = Arrays.copyOf(sequences.get(row), sequences.get(row).length + 1);
      longer[longer.length - 1] = tokens[row];
      sequences.set(row, longer);
    }
    logits = PromptPass.run(model, restriction, sequences, null, pools, state).logits;
  }

  @Override
  public void close() {
    state.close();
  }
}

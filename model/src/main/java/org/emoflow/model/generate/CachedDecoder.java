package org.emoflow.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.KvCache;
import org.emoflow.model.nn.LanguageModel;

/**
 * Incremental decoding: one pass over the prompts fills a {@link KvCache}; each further token is one
 * forward pass of a single position per row whose query attends over the cached keys. The prompts are
 * right-padded to the longest, so row b holds its prompt in columns [0, n_b), padding up to the prompt
 * width W, and its generated tokens from column W on; padding columns are masked out, and positions go
 * on from n_b, so each row computes what it would alone.
 *
 * <p>EMO evaluated with a pool keeps the pool its prompt chose, in every layer, for the tokens it
 * generates ({@link ForwardContext#withPools}): {@link RecomputingDecoder} does the same, so the two agree.
 */
public final class CachedDecoder implements Decoder {
  private final LanguageModel model;
  private final ExpertRestriction restriction;
  private final NDManager state;
  private final KvCache cache;
  private final NDArray[] pools;
  private final int[] promptLengths;
  private final int promptWidth;
  private int appended;
  private float[][] logits;

  /** @param restriction kept experts per layer, or null for the full model */
  public CachedDecoder(LanguageModel model, ExpertRestriction restriction, List<int[]> prompts) {
    this.model = model;
    this.restriction = restriction;
    this.state = model.manager().newSubManager();
    try {
      this.cache = new KvCache(state, model.config().layers());
      PromptPass pass = PromptPass.run(model, restriction, prompts, cache, null, state);
      this.pools = pass.pools;
      this.logits = pass.logits;
    } catch (RuntimeException e) {
      state.close();
      throw e;
    }
    this.promptLengths = prompts.stream().mapToInt(p -> p.length).toArray();
    this.promptWidth = (int) cache.length();
  }

  @Override
  public int rows() {
    return promptLengths.length;
  }

  @Override
  public float[][] logits() {
    return logits;
  }

  @Override
  public void append(int[] tokens) {
    int rows = rows();
    if (tokens.length != rows) {
      throw new IllegalArgumentException("one token per row: " + rows + " rows, " + tokens.length + " tokens");
    }
    try (NDManager step = model.manager().newSubManager()) {
      int columns = promptWidth + appended + 1;
      float[] mask = new float[rows * columns];
      long[] positions = new long[rows];
      long[] ids = new long[rows];
      for (int row = 0; row < rows; row++) {
        for (int column = promptLengths[row]; column < promptWidth; column++) {
          mask[row * columns + column] = BatchTensors.MASKED;
        }
        positions[row] = promptLengths[row] + appended;
        ids[row] = tokens[row];
      }
      BatchTensors batch = BatchTensors.decodingStep(step, ids, positions,
          step.create(mask, new Shape(rows, 1, 1, columns)));
      int layers = model.config().layers();
      ForwardContext context = pools == null
          ? new ForwardContext(batch, layers, null, restriction, false)
          : ForwardContext.withPools(batch, pools, restriction);
      logits = PromptPass.split(model.logits(model.hidden(context, cache)).toFloatArray(), rows);
      appended++;
    }
  }

  @Override
  public void close() {
    state.close();
  }
}

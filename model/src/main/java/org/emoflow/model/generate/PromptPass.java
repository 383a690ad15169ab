package org.emoflow.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.KvCache;
import org.emoflow.model.nn.LanguageModel;

/**
 * One forward pass over whole sequences, one document per row, right-padded to the longest: positions start
 * at 0 at each row's first token, as they do for a document in training. Returns the logits after each
 * row's last token and, for EMO evaluated with a pool, the pool each row chose in every layer.
 */
final class PromptPass {
  private static final int PADDING_TOKEN = 0;

  /** [B][V] logits after each row's last token. */
  final float[][] logits;
  /** Per layer, [B, E-1]: each row's pool, in the manager the caller gave; null without a pool. */
  final NDArray[] pools;

  private PromptPass(float[][] logits, NDArray[] pools) {
    this.logits = logits;
    this.pools = pools;
  }

  /** Whether the model routes inside a document pool when it is evaluated (EMO with eval_pool > 0). */
  static boolean pooled(ModelConfig config) {
    return config.router() == RouterKind.EMO && config.evalPool() > 0;
  }

  /**
   * @param cache null, or an empty cache that receives every layer's keys and values of the B x W columns
   * @param givenPools null to choose pools from these sequences (when the model uses them), or the pools
   *     an earlier pass chose, kept
   * @param keep where the chosen pools are kept
   */
  static PromptPass run(LanguageModel model, ExpertRestriction restriction, List<int[]> sequences, KvCache cache,
      NDArray[] givenPools, NDManager keep) {
    PackedBatch batch = rightPadded(sequences);
    ModelConfig config = model.config();
    try (NDManager step = model.manager().newSubManager()) {
      ForwardContext context = givenPools == null
          ? ForwardContext.forEvaluation(model.config(), batch, step, restriction, false)
          : ForwardContext.withPools(new BatchTensors(batch, step, config.intraDocumentMask()), givenPools, restriction);
      NDArray hidden = model.hidden(context, cache);
      long[] last = new long[batch.batch];
      long[] firstSegment = new long[batch.batch];
      for (int row = 0; row < batch.batch; row++) {
        last[row] = (long) row * batch.length + sequences.get(row).length - 1;
        firstSegment[row] = batch.segmentOfToken[row * batch.length];
      }
      float[] flat = model.logits(hidden.get(new NDIndex("{}", step.create(last)))).toFloatArray();
      NDArray[] pools = null;
      if (givenPools == null && pooled(config)) {
        pools = new NDArray[config.layers()];
        NDArray segments = step.create(firstSegment);
        for (int layer = 0; layer < pools.length; layer++) {
          pools[layer] = context.routing(layer).pool().get(new NDIndex("{}", segments));
          pools[layer].attach(keep);
        }
      }
      return new PromptPass(split(flat, batch.batch), pools);
    }
  }

  /** W = the longest sequence; every other row ends in padding, its own segment, never attended to. */
  static PackedBatch rightPadded(List<int[]> sequences) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("no sequences to decode");
    }
    int width = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
    List<PackedSequence> rows = new ArrayList<>();
    for (int row = 0; row < sequences.size(); row++) {
      int[] sequence = sequences.get(row);
      if (sequence.length == 0) {
        throw new IllegalArgumentException("sequence " + row + " is empty: decoding needs at least one token");
      }
      int[] tokens = new int[width];
      java.util.Arrays.fill(tokens, PADDING_TOKEN);
      System.arraycopy(sequence, 0, tokens, 0, sequence.length);
      rows.add(new PackedSequence(tokens, new int[] {sequence.length}, new String[] {"row-" + row},
          new int[] {0}, new String[] {"generate"}));
    }
    return new PackedBatch(rows);
  }

  static float[][] split(float[] flat, int rows) {
    int width = flat.length / rows;
    float[][] out = new float[rows][];
    for (int row = 0; row < rows; row++) {
      out[row] = java.util.Arrays.copyOfRange(flat, row * width, (row + 1) * width);
    }
    return out;
  }
}

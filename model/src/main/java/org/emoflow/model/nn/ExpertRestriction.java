package org.emoflow.model.nn;

import java.util.Arrays;

/**
 * Which routed experts each layer may use. A restricted layer's router takes the softmax over its kept
 * experts only, then top-k among them: exactly what a checkpoint pruned to those experts computes.
 */
public final class ExpertRestriction {
  private final int[][] keptPerLayer;

  /** keptPerLayer[l]: routed expert ids kept in layer l, or null for all of them. */
  public ExpertRestriction(int[][] keptPerLayer) {
    this.keptPerLayer = keptPerLayer.clone();
  }

  public static ExpertRestriction none(int layers) {
    return new ExpertRestriction(new int[layers][]);
  }

  public int layers() {
    return keptPerLayer.length;
  }

  public boolean restricts(int layer) {
    return keptPerLayer[layer] != null;
  }

  public int[] kept(int layer) {
    return keptPerLayer[layer] == null ? null : keptPerLayer[layer].clone();
  }

  /** Additive router-logit bias: 0 for kept experts, {@link BatchTensors#MASKED} for the others. */
  public float[] logitBias(int layer, int routedExperts) {
    float[] bias = new float[routedExperts];
    if (keptPerLayer[layer] != null) {
      Arrays.fill(bias, BatchTensors.MASKED);
      for (int e : keptPerLayer[layer]) {
        bias[e] = 0f;
      }
    }
    return bias;
  }

  /** A copy with one layer's kept set replaced (the layerwise greedy selection builds one layer at a time). */
  public ExpertRestriction with(int layer, int[] kept) {
    int[][] copy = keptPerLayer.clone();
    copy[layer] = kept.clone();
    return new ExpertRestriction(copy);
  }
}

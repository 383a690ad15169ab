package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;

/** The dense baseline: one SwiGLU FFN with the MoE's active width. */
public final class DenseFeedForward implements FeedForward {
  private final SwiGlu ffn;

  public DenseFeedForward(SwiGlu ffn) {
    this.ffn = ffn;
  }

  @Override
  public NDArray forward(NDArray x, ForwardContext context) {
    return ffn.forward(x);
  }
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;

/** A block's feed-forward: an MoE layer or the dense baseline's FFN. x is [T, d]. */
public interface FeedForward {
  NDArray forward(NDArray x, ForwardContext context);
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Pre-norm block: x + Attn(Norm(x)), then x + FFN(Norm(x)). */
public final class Block {
  private final RmsNorm attentionNorm;
  private final Attention attention;
  private final RmsNorm feedForwardNorm;
  private final FeedForward feedForward;

  public Block(RmsNorm attentionNorm, Attention attention, RmsNorm feedForwardNorm, FeedForward feedForward) {
    this.attentionNorm = attentionNorm;
    this.attention = attention;
    this.feedForwardNorm = feedForwardNorm;
    this.feedForward = feedForward;
  }

  /** x: [B, L, d]; cache: null, or this layer's keys and values of the earlier tokens (extended here). */
  public NDArray forward(NDArray x, Rotary.Tables rotary, ForwardContext context, KvCache.Layer cache) {
    NDArray h = x.add(attention.forward(attentionNorm.forward(x), rotary, context.batch.attentionMask, cache));
    Shape shape = h.getShape();
    NDArray tokens = feedForwardNorm.forward(h).reshape(shape.get(0) * shape.get(1), shape.get(2));
    return h.add(feedForward.forward(tokens, context).reshape(shape));
  }
}

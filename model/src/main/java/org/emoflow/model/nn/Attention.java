package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/** Multi-head causal self-attention; the additive mask carries causality and document boundaries. */
public final class Attention {
  private final NDArray query;
  private final NDArray key;
  private final NDArray value;
  private final NDArray output;
  private final int heads;
  private final int headDim;

  public Attention(Parameters params, String name, int dModel, int heads, double std, double outStd) {
    this.heads = heads;
    this.headDim = dModel / heads;
    Shape square = new Shape(dModel, dModel);
    this.query = params.normal(name + ".q_proj.weight", square, std, true);
    this.key = params.normal(name + ".k_proj.weight", square, std, true);
    this.value = params.normal(name + ".v_proj.weight", square, std, true);
    this.output = params.normal(name + ".o_proj.weight", square, outStd, true);
  }

  /**
   * x: [B, L, d]; mask: [B, 1, L, C + L], 0 where attention is allowed and a large negative elsewhere.
   *
   * @param cache null, or the C earlier tokens' keys and values: the new ones are appended to it and the
   *     queries attend over all C + L
   */
  public NDArray forward(NDArray x, Rotary.Tables rotary, NDArray mask, KvCache.Layer cache) {
    long batch = x.getShape().get(0);
    long length = x.getShape().get(1);
    NDArray q = Rotary.apply(splitHeads(Linear.apply(x, query), batch, length), rotary);
    NDArray k = Rotary.apply(splitHeads(Linear.apply(x, key), batch, length), rotary);
    NDArray v = splitHeads(Linear.apply(x, value), batch, length);
    if (cache != null) {
      NDList all = cache.extend(k, v);
      k = all.get(0);
      v = all.get(1);
    }
    NDArray scores = Scalars.multiply(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(headDim)).add(mask);
    NDArray context = scores.softmax(-1).matMul(v);
    return Linear.apply(context.transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headDim), output);
  }

  private NDArray splitHeads(NDArray x, long batch, long length) {
    return x.reshape(batch, length, heads, headDim).transpose(0, 2, 1, 3);
  }
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emoflow.model.data.PackedBatch;

/** A {@link PackedBatch} on the device, with the attention mask and segment one-hot built once. */
public final class BatchTensors {
  /** Added to disallowed attention scores and router logits; large enough that exp() is exactly 0. */
  public static final float MASKED = -1e9f;

  public final PackedBatch host;
  public final NDManager manager;
  public final NDArray tokens;
  public final NDArray positions;
  public final NDArray segmentOfToken;
  /** [S, T]: row s has ones at the tokens of segment s; s = onehot^T applied to p gives segment sums. */
  public final NDArray segmentMembership;
  /** [B, 1, L, L]: 0 where a query may attend a key, {@link #MASKED} elsewhere. */
  public final NDArray attentionMask;
  /** [T]: 1 for real tokens, 0 for padding; weights routing statistics. */
  public final NDArray realToken;
  public final NDArray targets;
  public final NDArray scored;

  public BatchTensors(PackedBatch batch, NDManager manager, boolean intraDocumentMask) {
    this.host = batch;
    this.manager = manager;
    long b = batch.batch;
    long l = batch.length;
    tokens = manager.create(batch.tokens);
    positions = manager.create(batch.positions, new Shape(b, l));
    segmentOfToken = manager.create(batch.segmentOfToken);
    segmentMembership = manager.arange(0L, (long) batch.segments, 1L, DataType.INT64).expandDims(1)
        .eq(segmentOfToken.expandDims(0)).toType(DataType.FLOAT32, false);
    attentionMask = attentionMask(manager, batch, intraDocumentMask);
    float[] real = new float[batch.totalTokens()];
    for (int i = 0; i < real.length; i++) {
      real[i] = batch.padding[i] ? 0f : 1f;
    }
    realToken = manager.create(real);
    targets = manager.create(batch.targets);
    scored = manager.create(batch.scored);
  }

  private static NDArray attentionMask(NDManager manager, PackedBatch batch, boolean intraDocument) {
    long b = batch.batch;
    long l = batch.length;
    NDArray causal = manager.arange((float) l).expandDims(1).gte(manager.arange((float) l).expandDims(0));
    NDArray allowed = causal.expandDims(0);
    if (intraDocument) {
      NDArray segments = segmentOfTokenShaped(manager, batch);
      allowed = allowed.logicalAnd(segments.expandDims(2).eq(segments.expandDims(1)));
    }
    return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).expandDims(1)
        .broadcast(new Shape(b, 1, l, l));
  }

  private static NDArray segmentOfTokenShaped(NDManager manager, PackedBatch batch) {
    return manager.create(batch.segmentOfToken, new Shape(batch.batch, batch.length));
  }

  public int tokenCount() {
    return host.totalTokens();
  }
}

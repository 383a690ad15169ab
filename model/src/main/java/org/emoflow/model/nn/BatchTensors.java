package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emoflow.model.data.PackedBatch;

/**
 * A {@link PackedBatch} on the device, with the attention mask and segment one-hot built once; or one
 * step of decoding ({@link #decodingStep}): a new token per row, attending over a {@link KvCache}.
 */
public final class BatchTensors {
  /** Added to disallowed attention scores and router logits; large enough that exp() is exactly 0. */
  public static final float MASKED = -1e9f;

  /** The packed rows; null for a decoding step. */
  public final PackedBatch host;
  public final NDManager manager;
  /** B and L: the tokens of this pass are B rows of L (a decoding step: L = 1). */
  public final int rows;
  public final int length;
  /** Host copy, [T]: true for padding tokens, which are not dispatched to experts. */
  public final boolean[] padding;
  public final NDArray tokens;
  public final NDArray positions;
  public final NDArray segmentOfToken;
  /** [S, T]: row s has ones at the tokens of segment s; s = onehot^T applied to p gives segment sums. */
  public final NDArray segmentMembership;
  /** [B, 1, L, C + L]: 0 where a query may attend a key, {@link #MASKED} elsewhere; C keys are cached. */
  public final NDArray attentionMask;
  /** [T]: 1 for real tokens, 0 for padding; weights routing statistics. */
  public final NDArray realToken;
  /** Next tokens and which are scored; null for a decoding step, which scores nothing. */
  public final NDArray targets;
  public final NDArray scored;

  public BatchTensors(PackedBatch batch, NDManager manager, boolean intraDocumentMask) {
    this.host = batch;
    this.manager = manager;
    this.rows = batch.batch;
    this.length = batch.length;
    this.padding = batch.padding;
    long b = batch.batch;
    long l = batch.length;
    tokens = manager.create(batch.tokens);
    positions = manager.create(batch.positions, new Shape(b, l));
    segmentOfToken = manager.create(batch.segmentOfToken);
    segmentMembership = membership(manager, batch.segments, segmentOfToken);
    attentionMask = attentionMask(manager, batch, intraDocumentMask);
    float[] real = new float[batch.totalTokens()];
    for (int i = 0; i < real.length; i++) {
      real[i] = batch.padding[i] ? 0f : 1f;
    }
    realToken = manager.create(real);
    targets = manager.create(batch.targets);
    scored = manager.create(batch.scored);
  }

  private BatchTensors(NDManager manager, long[] tokens, long[] positions, NDArray attentionMask) {
    this.host = null;
    this.manager = manager;
    this.rows = tokens.length;
    this.length = 1;
    this.padding = new boolean[tokens.length];
    this.tokens = manager.create(tokens);
    this.positions = manager.create(positions, new Shape(tokens.length, 1));
    segmentOfToken = manager.arange(0L, (long) tokens.length, 1L, DataType.INT64);
    segmentMembership = membership(manager, tokens.length, segmentOfToken);
    this.attentionMask = attentionMask;
    realToken = manager.ones(new Shape(tokens.length));
    targets = null;
    scored = null;
  }

  /**
   * One new token per row, each row its own segment (one document being written).
   *
   * @param positions of each new token inside its document: rotary positions go on from the cached ones
   * @param attentionMask [B, 1, 1, C + 1] over the C cached keys and the new one
   */
  public static BatchTensors decodingStep(NDManager manager, long[] tokens, long[] positions, NDArray attentionMask) {
    return new BatchTensors(manager, tokens, positions, attentionMask);
  }

  private static NDArray membership(NDManager manager, int segments, NDArray segmentOfToken) {
    return manager.arange(0L, (long) segments, 1L, DataType.INT64).expandDims(1)
        .eq(segmentOfToken.expandDims(0)).toType(DataType.FLOAT32, false);
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
    return rows * length;
  }
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emoflow.model.RouterKind;

/**
 * From router logits z (one row per token, one column per routed expert) to the chosen experts.
 *
 * <ul>
 *   <li>standard: p = softmax(z), the top-k of p with their plain softmax values as gates;
 *   <li>EMO: per segment d, s_d = sum of p over its tokens; the pool is the M_d experts with the largest
 *       s_d; logits outside the pool are masked, g = softmax(masked z), top-k of g with g as gates. The
 *       pool may instead be given per batch row ({@link ForwardContext#withPools}).
 * </ul>
 *
 * A restriction to kept experts masks the others' logits before either rule.
 */
public final class Router {
  /**
   * The decision for one layer; tensors are [T, E-1], [T, E-1], [T], [T, k], [T, k]; pool [S, E-1] ([B, E-1]
   * when given) or null.
   * {@code routedProbabilities} is p = softmax(z) over the (kept) routed experts before any pool mask, the
   * same tensor as {@code probabilities} where there is no pool.
   */
  public record Decision(NDArray probabilities, NDArray routedProbabilities, NDArray logSumExp,
      NDArray topWeights, long[] topExperts, NDArray pool) {}

  private final RouterKind kind;
  private final int routed;
  private final int topK;

  public Router(RouterKind kind, int routed, int topK) {
    this.kind = kind;
    this.routed = routed;
    this.topK = topK;
  }

  public Decision route(NDArray logits, ForwardContext context, int layer) {
    NDManager manager = context.batch.manager;
    ExpertRestriction restriction = context.restriction();
    if (restriction.restricts(layer)) {
      logits = logits.add(manager.create(restriction.logitBias(layer, routed)));
    }
    NDArray pool = null;
    NDArray unpooled = null;
    NDArray tokenPool = null;
    if (kind == RouterKind.EMO && (context.givenPool(layer) != null || context.pools() != null)) {
      // Pools are chosen on detached probabilities: no gradient flows through the choice.
      unpooled = logits.stopGradient().softmax(-1);
      if (context.givenPool(layer) != null) {
        pool = context.givenPool(layer);
        tokenPool = pool.get(new NDIndex("{}", rowOfToken(context.batch)));
      } else {
        pool = pool(unpooled, context, layer);
        tokenPool = pool.get(new NDIndex("{}", context.batch.segmentOfToken));
      }
    }
    if (tokenPool != null) {
      logits = logits.add(tokenPool.toType(DataType.FLOAT32, false).sub(1f).mul(-BatchTensors.MASKED));
    }
    NDArray probabilities = logits.softmax(-1);
    NDList top = probabilities.topK(topK, -1, true, true);
    return new Decision(probabilities, unpooled == null ? probabilities : unpooled, logSumExp(logits), top.get(0),
        top.get(1).toLongArray(), pool);
  }

  /**
   * EMO's pool for every segment at once: s = onehot^T p gives all segment sums in one product, and an
   * expert is in a segment's pool when its rank there is below the segment's M.
   */
  private NDArray pool(NDArray probabilities, ForwardContext context, int layer) {
    NDManager manager = context.batch.manager;
    NDArray segmentSums = context.batch.segmentMembership.matMul(probabilities);
    NDArray rank = segmentSums.argSort(1, false).argSort(1, true);
    long[] sizes = context.pools().forLayer(layer);
    NDArray pool = rank.lt(manager.create(sizes, new Shape(sizes.length, 1)));
    ExpertRestriction restriction = context.restriction();
    if (restriction.restricts(layer)) {
      // A pool larger than the kept set would otherwise admit dropped experts by rank alone.
      pool = pool.logicalAnd(manager.create(restriction.logitBias(layer, routed)).eq(0f));
    }
    return pool;
  }

  private static NDArray rowOfToken(BatchTensors batch) {
    long[] rows = new long[batch.rows * batch.length];
    for (int t = 0; t < rows.length; t++) {
      rows[t] = t / batch.length;
    }
    return batch.manager.create(rows);
  }

  private static NDArray logSumExp(NDArray logits) {
    NDArray max = logits.max(new int[] {-1}, true).stopGradient();
    return logits.sub(max).exp().sum(new int[] {-1}).log().add(max.squeeze(-1));
  }
}

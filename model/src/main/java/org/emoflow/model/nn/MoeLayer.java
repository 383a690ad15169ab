package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.PackedBatch;

/**
 * y = E_shared(x) + sum over the chosen routed experts i of gate_i * E_i(x), dropless. Routing is the
 * standard token top-k, or EMO's: top-k inside the segment's pool of experts.
 */
public final class MoeLayer implements FeedForward {
  private final int layer;
  private final RouterKind kind;
  private final int routed;
  private final int topK;
  private final NDArray router;
  private final List<SwiGlu> experts = new ArrayList<>();
  private final SwiGlu shared;

  public MoeLayer(Parameters params, String name, int layer, ModelConfig config, double std, double outStd) {
    this.layer = layer;
    this.kind = config.router();
    this.routed = config.routedExperts();
    this.topK = config.topK();
    this.router = params.normal(name + ".router.weight", new Shape(routed, config.dModel()), std, true);
    for (int e = 0; e < routed; e++) {
      experts.add(new SwiGlu(params, name + ".experts." + e, config.dModel(), config.expertHidden(), std, outStd));
    }
    this.shared = new SwiGlu(params, name + ".shared_expert", config.dModel(), config.expertHidden(), std, outStd);
  }

  @Override
  public NDArray forward(NDArray x, ForwardContext context) {
    NDManager manager = context.batch.manager;
    NDArray logits = Linear.apply(x, router);
    ExpertRestriction restriction = context.restriction();
    if (restriction.restricts(layer)) {
      logits = logits.add(manager.create(restriction.logitBias(layer, routed)));
    }
    NDArray pool = null;
    if (kind == RouterKind.EMO && context.pools() != null) {
      pool = pool(logits, context);
      NDArray tokenPool = pool.get(new NDIndex("{}", context.batch.segmentOfToken));
      logits = logits.add(outsideToMasked(tokenPool));
    }
    NDArray probabilities = logits.softmax(-1);
    NDList top = probabilities.topK(topK, -1, true, true);
    NDArray topWeights = top.get(0);
    long[] topExperts = top.get(1).toLongArray();
    Dispatch dispatch = new Dispatch(context.batch.host, topExperts);
    NDArray perSlot = dispatch.run(x, manager);
    NDArray routedOutput = perSlot.mul(topWeights.expandDims(-1)).sum(new int[] {1});
    NDArray outputNorms = context.wantsExpertOutputNorms() ? perSlot.square().sum(new int[] {-1}).sqrt() : null;
    context.record(layer, new LayerRouting(
        probabilities, logSumExp(logits), topExperts, topWeights, dispatch.assignments(), pool, outputNorms));
    return shared.forward(x).add(routedOutput);
  }

  /**
   * EMO's pool, for every segment at once: s = onehot^T p sums each segment's router probabilities,
   * and an expert is in the pool when its rank within the segment is below the segment's M. The choice is
   * made on detached probabilities: no gradient flows through it.
   */
  private NDArray pool(NDArray logits, ForwardContext context) {
    NDManager manager = context.batch.manager;
    NDArray probabilities = logits.stopGradient().softmax(-1);
    NDArray segmentSums = context.batch.segmentMembership.matMul(probabilities);
    NDArray rank = segmentSums.argSort(1, false).argSort(1, true);
    long[] sizes = context.pools().forLayer(layer);
    NDArray pool = rank.lt(manager.create(sizes, new Shape(sizes.length, 1)));
    ExpertRestriction restriction = context.restriction();
    if (restriction.restricts(layer)) {
      // A pool larger than the kept set would otherwise admit dropped experts by rank alone.
      NDArray kept = manager.create(restriction.logitBias(layer, routed)).eq(0f);
      pool = pool.logicalAnd(kept);
    }
    return pool;
  }

  private static NDArray outsideToMasked(NDArray membership) {
    return membership.toType(DataType.FLOAT32, false).sub(1f).mul(-BatchTensors.MASKED);
  }

  private static NDArray logSumExp(NDArray logits) {
    NDArray max = logits.max(new int[] {-1}, true).stopGradient();
    return logits.sub(max).exp().sum(new int[] {-1}).log().add(max.squeeze(-1));
  }

  /**
   * Sparse, dropless dispatch: group the (token, slot) assignments by expert with a counting sort on the
   * host, run each expert once on its rows, and put the outputs back in slot order with one gather by
   * the inverse permutation. Work grows with k, not with E. Padding tokens are not dispatched; their
   * slots gather an all-zero row.
   */
  private final class Dispatch {
    private final long[] assignments = new long[routed];
    private final long[] sortedTokens;
    private final long[] sortedPositionOfSlot;
    private final int[] expertStart = new int[routed + 1];

    Dispatch(PackedBatch batch, long[] topExperts) {
      int tokens = batch.totalTokens();
      for (int t = 0; t < tokens; t++) {
        if (!batch.padding[t]) {
          for (int j = 0; j < topK; j++) {
            assignments[(int) topExperts[t * topK + j]]++;
          }
        }
      }
      for (int e = 0; e < routed; e++) {
        expertStart[e + 1] = expertStart[e] + (int) assignments[e];
      }
      int slots = expertStart[routed];
      sortedTokens = new long[slots];
      sortedPositionOfSlot = new long[tokens * topK];
      int[] next = expertStart.clone();
      for (int t = 0; t < tokens; t++) {
        for (int j = 0; j < topK; j++) {
          int slot = t * topK + j;
          if (batch.padding[t]) {
            sortedPositionOfSlot[slot] = slots;
          } else {
            int position = next[(int) topExperts[slot]]++;
            sortedTokens[position] = t;
            sortedPositionOfSlot[slot] = position;
          }
        }
      }
    }

    long[] assignments() {
      return assignments;
    }

    /** Returns [T, k, d]: each slot's expert output, zero for padding tokens. */
    NDArray run(NDArray x, NDManager manager) {
      long tokens = x.getShape().get(0);
      long width = x.getShape().get(1);
      NDList outputs = new NDList();
      if (sortedTokens.length > 0) {
        // One split, not a slice per expert: a slice's backward writes a full-size zero gradient each.
        NDArray grouped = x.get(new NDIndex("{}", manager.create(sortedTokens)));
        int[] used = java.util.stream.IntStream.range(0, routed).filter(e -> assignments[e] > 0).toArray();
        long[] boundaries = new long[used.length - 1];
        for (int i = 1; i < used.length; i++) {
          boundaries[i - 1] = expertStart[used[i]];
        }
        NDList groups = grouped.split(boundaries, 0);
        for (int i = 0; i < used.length; i++) {
          outputs.add(experts.get(used[i]).forward(groups.get(i)));
        }
      }
      outputs.add(manager.zeros(new Shape(1, width)));
      NDArray sorted = NDArrays.concat(outputs, 0);
      return sorted.get(new NDIndex("{}", manager.create(sortedPositionOfSlot))).reshape(tokens, topK, width);
    }
  }
}

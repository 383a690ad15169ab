package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.ModelConfig;

/**
 * y = E_shared(x) + sum over the chosen routed experts i of gate_i * E_i(x), dropless; the choice is the
 * {@link Router}'s.
 */
public final class MoeLayer implements FeedForward {
  private final int layer;
  private final int routed;
  private final int topK;
  private final NDArray routerWeight;
  private final Router router;
  private final List<SwiGlu> experts = new ArrayList<>();
  private final SwiGlu shared;

  public MoeLayer(Parameters params, String name, int layer, ModelConfig config, double std, double outStd) {
    this.layer = layer;
    this.routed = config.routedExperts();
    this.topK = config.topK();
    this.routerWeight = params.normal(name + ".router.weight", new Shape(routed, config.dModel()), std, true);
    this.router = new Router(config.router(), routed, topK);
    for (int e = 0; e < routed; e++) {
      experts.add(new SwiGlu(params, name + ".experts." + e, config.dModel(), config.expertHidden(), std, outStd));
    }
    this.shared = new SwiGlu(params, name + ".shared_expert", config.dModel(), config.expertHidden(), std, outStd);
  }

  @Override
  public NDArray forward(NDArray x, ForwardContext context) {
    Router.Decision decision = router.route(Linear.apply(x, routerWeight), context, layer);
    Dispatch dispatch = new Dispatch(context.batch.padding, decision.topExperts());
    NDArray perSlot = dispatch.run(x, context.batch.manager);
    NDArray routedOutput = perSlot.mul(decision.topWeights().expandDims(-1)).sum(new int[] {1});
    NDArray outputNorms = context.wantsExpertOutputNorms() ? perSlot.square().sum(new int[] {-1}).sqrt() : null;
    context.record(layer, new LayerRouting(decision.probabilities(), decision.routedProbabilities(),
        decision.logSumExp(), decision.topExperts(),
        decision.topWeights(), dispatch.assignments(), decision.pool(), outputNorms));
    return shared.forward(x).add(routedOutput);
  }

  /**
   * Sparse, dropless dispatch: group the (token, slot) assignments by expert with a counting sort on the
   * host, run each expert once on its rows, and put the outputs back in slot order with one gather by
   * the inverse permutation. Work grows with k, not with E. Padding tokens are not dispatched; their
   * slots gather an all-zero row. Rows are gathered from a per-slot copy of x so that no index repeats:
   * the backward of a gather with repeated indices accumulates in a thread-dependent order on the CPU.
   */
  private final class Dispatch {
    private final long[] assignments = new long[routed];
    private final long[] sortedSlots;
    private final long[] sortedPositionOfSlot;
    private final int[] expertStart = new int[routed + 1];

    Dispatch(boolean[] padding, long[] topExperts) {
      int tokens = padding.length;
      for (int t = 0; t < tokens; t++) {
        if (!padding[t]) {
          for (int j = 0; j < topK; j++) {
            assignments[(int) topExperts[t * topK + j]]++;
          }
        }
      }
      for (int e = 0; e < routed; e++) {
        expertStart[e + 1] = expertStart[e] + (int) assignments[e];
      }
      int slots = expertStart[routed];
      sortedSlots = new long[slots];
      sortedPositionOfSlot = new long[tokens * topK];
      int[] next = expertStart.clone();
      for (int t = 0; t < tokens; t++) {
        for (int j = 0; j < topK; j++) {
          int slot = t * topK + j;
          if (padding[t]) {
            sortedPositionOfSlot[slot] = slots;
          } else {
            int position = next[(int) topExperts[slot]]++;
            sortedSlots[position] = slot;
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
      if (sortedSlots.length > 0) {
        NDArray perSlotInput = x.expandDims(1).broadcast(new Shape(tokens, topK, width)).reshape(tokens * topK, width);
        NDArray grouped = perSlotInput.get(new NDIndex("{}", manager.create(sortedSlots)));
        // One split, not a slice per expert: a slice's backward writes a full-size zero gradient each.
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

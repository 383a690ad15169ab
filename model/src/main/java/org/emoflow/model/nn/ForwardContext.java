package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.PackedBatch;

/**
 * What a forward pass needs besides the tokens (pool sizes, expert restriction) and what its MoE layers
 * report back (one {@link LayerRouting} per layer).
 */
public final class ForwardContext {
  public final BatchTensors batch;
  private final PoolSizes pools;
  private final ExpertRestriction restriction;
  private final boolean expertOutputNorms;
  private final NDArray[] givenPools;
  private final LayerRouting[] routing;

  public ForwardContext(
      BatchTensors batch, int layers, PoolSizes pools, ExpertRestriction restriction, boolean expertOutputNorms) {
    this(batch, layers, pools, null, restriction, expertOutputNorms);
  }

  private ForwardContext(BatchTensors batch, int layers, PoolSizes pools, NDArray[] givenPools,
      ExpertRestriction restriction, boolean expertOutputNorms) {
    this.batch = batch;
    this.pools = pools;
    this.givenPools = givenPools;
    this.restriction = restriction == null ? ExpertRestriction.none(layers) : restriction;
    this.expertOutputNorms = expertOutputNorms;
    this.routing = new LayerRouting[layers];
  }

  /**
   * A pass without gradients, as evaluation, routing analysis and a prompt's first pass run it: EMO routes
   * inside its evaluation pool of {@code eval_pool} experts (or none), standard MoE over all experts.
   */
  public static ForwardContext forEvaluation(
      ModelConfig config, PackedBatch batch, NDManager manager, ExpertRestriction restriction, boolean outputNorms) {
    BatchTensors tensors = new BatchTensors(batch, manager, config.intraDocumentMask());
    PoolSizes pools = config.router() == RouterKind.EMO && config.evalPool() > 0
        ? PoolSizes.fixed(config, batch.segments, config.evalPool())
        : null;
    return new ForwardContext(tensors, config.layers(), pools, restriction, outputNorms);
  }

  /**
   * EMO routing inside pools chosen beforehand instead of from this pass's tokens: generation keeps the
   * pool its prompt chose while it writes the rest of the document (the tokens that will follow are not
   * known when a token is routed).
   *
   * @param poolPerRow per layer, [B, E-1] boolean: the pool of every token of batch row b
   */
  public static ForwardContext withPools(
      BatchTensors batch, NDArray[] poolPerRow, ExpertRestriction restriction) {
    return new ForwardContext(batch, poolPerRow.length, null, poolPerRow.clone(), restriction, false);
  }

  /** Null when pools are not chosen in this pass (standard MoE, EMO without a pool, or pools given). */
  public PoolSizes pools() {
    return pools;
  }

  /** The pool given for a layer, [B, E-1] (one per batch row), or null when none was given. */
  public NDArray givenPool(int layer) {
    return givenPools == null ? null : givenPools[layer];
  }

  public ExpertRestriction restriction() {
    return restriction;
  }

  public boolean wantsExpertOutputNorms() {
    return expertOutputNorms;
  }

  void record(int layer, LayerRouting decision) {
    routing[layer] = decision;
  }

  public LayerRouting routing(int layer) {
    return routing[layer];
  }

  public int layers() {
    return routing.length;
  }
}

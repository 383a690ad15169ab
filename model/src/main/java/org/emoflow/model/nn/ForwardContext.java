package org.emoflow.model.nn;

/**
 * What a forward pass needs besides the tokens (pool sizes, expert restriction) and what its MoE layers
 * report back (one {@link LayerRouting} per layer).
 */
public final class ForwardContext {
  public final BatchTensors batch;
  private final PoolSizes pools;
  private final ExpertRestriction restriction;
  private final boolean expertOutputNorms;
  private final LayerRouting[] routing;

  public ForwardContext(
      BatchTensors batch, int layers, PoolSizes pools, ExpertRestriction restriction, boolean expertOutputNorms) {
    this.batch = batch;
    this.pools = pools;
    this.restriction = restriction == null ? ExpertRestriction.none(layers) : restriction;
    this.expertOutputNorms = expertOutputNorms;
    this.routing = new LayerRouting[layers];
  }

  /** Null when routing is not constrained to a pool (standard MoE, or EMO evaluated without one). */
  public PoolSizes pools() {
    return pools;
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

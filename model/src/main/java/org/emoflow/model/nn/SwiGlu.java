package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** down(silu(gate(x)) * up(x)): every expert, the shared expert and the dense FFN. */
public final class SwiGlu {
  private final NDArray gate;
  private final NDArray up;
  private final NDArray down;

  public SwiGlu(Parameters params, String name, int dModel, int hidden, double std, double outStd) {
    this.gate = params.normal(name + ".gate_proj.weight", new Shape(hidden, dModel), std, true);
    this.up = params.normal(name + ".up_proj.weight", new Shape(hidden, dModel), std, true);
    this.down = params.normal(name + ".down_proj.weight", new Shape(dModel, hidden), outStd, true);
  }

  public NDArray forward(NDArray x) {
    NDArray g = Linear.apply(x, gate);
    NDArray silu = g.mul(g.getNDArrayInternal().sigmoid());
    return Linear.apply(silu.mul(Linear.apply(x, up)), down);
  }
}

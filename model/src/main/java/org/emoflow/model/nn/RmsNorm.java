package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** RMSNorm(x) = x / sqrt(mean(x^2) + eps) * weight. */
public final class RmsNorm {
  private final NDArray weight;
  private final float eps;

  public RmsNorm(Parameters params, String name, int dim, double eps) {
    this.weight = params.ones(name + ".weight", new Shape(dim));
    this.eps = (float) eps;
  }

  public NDArray forward(NDArray x) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true);
    return x.div(meanSquare.add(eps).sqrt()).mul(weight);
  }
}

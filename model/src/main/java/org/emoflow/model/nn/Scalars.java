package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Multiplying or dividing by a constant inside a graph that will be differentiated. DJL's {@code
 * mul(Number)} and {@code div(Number)} wrap the constant in a tensor over Java-owned memory and close it
 * at once, yet autograd keeps that tensor for the backward pass: once the garbage collector frees the
 * memory, gradients read whatever lies there (NaN, 1e29, ...). Here the constant belongs to the operand's
 * manager, so it lives until the step's manager closes, after the backward pass.
 */
public final class Scalars {
  private Scalars() {}

  public static NDArray multiply(NDArray x, double factor) {
    return x.mul(x.getManager().create((float) factor));
  }

  public static NDArray divide(NDArray x, double divisor) {
    return x.div(x.getManager().create((float) divisor));
  }
}

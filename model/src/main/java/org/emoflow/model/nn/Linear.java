package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;

/** y = x W^T with W stored [out, in], as PyTorch stores it. */
public final class Linear {
  private Linear() {}

  public static NDArray apply(NDArray x, NDArray weight) {
    // The activation is the receiver so the result lives in the activation's (per-step) manager.
    return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
  }
}

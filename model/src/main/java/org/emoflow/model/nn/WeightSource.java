package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;

/** Where a model's weights come from when they are not freshly initialised: a checkpoint's tensors. */
public interface WeightSource {
  /**
   * The named parameter as a float32 array of exactly this shape, created in the given manager; a
   * tensor that is missing or shaped otherwise is refused naming it.
   */
  NDArray load(String name, Shape shape, NDManager manager) throws IOException;
}

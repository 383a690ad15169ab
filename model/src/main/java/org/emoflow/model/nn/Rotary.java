package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings in the "rotate half" form (GPT-NeoX, LLaMA, OLMo). Positions come from the
 * batch and restart at 0 in every segment, so a document's logits do not depend on where it was packed.
 */
public final class Rotary {
  /** cos and sin tables shaped [B, 1, L, headDim], shared by every layer of one forward pass. */
  public record Tables(NDArray cos, NDArray sin) {}

  private final float[] inverseFrequencies;

  public Rotary(int headDim, double theta) {
    inverseFrequencies = new float[headDim / 2];
    for (int i = 0; i < inverseFrequencies.length; i++) {
      inverseFrequencies[i] = (float) Math.pow(theta, -2.0 * i / headDim);
    }
  }

  /** positions: int64 [B, L]. */
  public Tables tables(NDArray positions) {
    NDArray frequencies = positions.getManager().create(inverseFrequencies);
    NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(frequencies);
    NDArray both = NDArrays.concat(new NDList(angles, angles), -1).expandDims(1);
    return new Tables(both.cos(), both.sin());
  }

  /** x: [B, H, L, headDim]. */
  public static NDArray apply(NDArray x, Tables tables) {
    long half = x.getShape().get(3) / 2;
    NDList halves = x.split(new long[] {half}, 3);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
    return x.mul(tables.cos()).add(rotated.mul(tables.sin()));
  }
}

package org.emoflow.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A float32 CPU tensor's own memory as a buffer: writes land in the tensor. Parameters, their gradients and
 * the optimizer moments are all contiguous, which is what lets libtorch hand out its memory, not a copy.
 */
final class HostMemory {
  private HostMemory() {}

  static boolean holds(NDArray array) {
    return array.getDevice().equals(Device.cpu()) && array.getDataType() == DataType.FLOAT32;
  }

  static FloatBuffer floats(NDArray array) {
    return ((PtNDArray) array).toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** Sum of squares in double precision, in a fixed order (so the same on every run). */
  static double sumOfSquares(NDArray array) {
    FloatBuffer values = floats(array);
    float[] chunk = new float[4096];
    // Four partial sums in turn keep four additions in flight; the order is still fixed.
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    for (int start = 0, n = values.limit(); start < n; start += chunk.length) {
      int length = Math.min(chunk.length, n - start);
      values.get(start, chunk, 0, length);
      int i = 0;
      for (; i + 3 < length; i += 4) {
        s0 += (double) chunk[i] * chunk[i];
        s1 += (double) chunk[i + 1] * chunk[i + 1];
        s2 += (double) chunk[i + 2] * chunk[i + 2];
        s3 += (double) chunk[i + 3] * chunk[i + 3];
      }
      for (; i < length; i++) {
        s0 += (double) chunk[i] * chunk[i];
      }
    }
    return (s0 + s1) + (s2 + s3);
  }
}

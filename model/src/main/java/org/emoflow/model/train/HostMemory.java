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
}

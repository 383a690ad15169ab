package org.emoflow.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * Where tensors live: the first GPU when the PyTorch engine sees one (swap pytorch-native-cpu for a CUDA
 * build of the same libtorch version), else the CPU. {@code EMOFLOW_DEVICE=cpu} forces the CPU.
 */
public final class Compute {
  private Compute() {}

  public static Engine engine() {
    return Engine.getEngine("PyTorch");
  }

  public static Device device() {
    boolean forceCpu = "cpu".equalsIgnoreCase(System.getenv("EMOFLOW_DEVICE"));
    return !forceCpu && engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
  }

  public static NDManager newManager() {
    return NDManager.newBaseManager(device(), "PyTorch");
  }

  public static String describe() {
    Engine engine = engine();
    return "PyTorch " + engine.getVersion() + " on " + device()
        + " (intra-op threads " + ai.djl.pytorch.jni.JniUtils.getNumThreads() + ")";
  }
}

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

  /**
   * Sets libtorch's intra-op threads; 0 keeps its default of one per core. Takes effect only when called
   * before the engine starts (libtorch reads the setting then).
   */
  public static void useThreads(int threads) {
    if (threads > 0) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    }
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

package org.emoflow.pipelines.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emoflow.model.Compute;

/** What DJL's float32 matmul reaches on this machine: the ceiling to hold training FLOP/s against. */
final class MatmulPeak {
  private static final int WARM_UP = 2;

  private MatmulPeak() {}

  /** FLOP/s of repeated n x n by n x n products ({@code 2 n^3} each) over about {@code seconds}. */
  static double measure(int n, double seconds) {
    try (NDManager manager = Compute.newManager()) {
      NDArray a = manager.randomNormal(new Shape(n, n));
      NDArray b = manager.randomNormal(new Shape(n, n));
      for (int i = 0; i < WARM_UP; i++) {
        multiply(a, b);
      }
      long started = System.nanoTime();
      long products = 0;
      double elapsed;
      do {
        multiply(a, b);
        products++;
        elapsed = (System.nanoTime() - started) / 1e9;
      } while (elapsed < seconds || products < 3);
      return 2.0 * n * n * n * products / elapsed;
    }
  }

  /** Reading one element waits for the product where the device runs asynchronously (a GPU). */
  private static void multiply(NDArray a, NDArray b) {
    try (NDArray product = a.matMul(b); NDArray corner = product.get(0, 0)) {
      corner.getFloat();
    }
  }
}

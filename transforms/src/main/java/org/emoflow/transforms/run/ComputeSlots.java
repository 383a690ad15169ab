package org.emoflow.transforms.run;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Per worker JVM, how many compute-heavy stages (a training process, an evaluation) run at once.
 * libtorch sizes its thread pools to the machine, so two of them side by side on the same cores slow
 * each other down far more than twofold.
 */
final class ComputeSlots {
  private static final Map<Integer, Semaphore> POOLS = new ConcurrentHashMap<>();

  private ComputeSlots() {}

  interface Work<T> {
    T run() throws IOException, InterruptedException;
  }

  static <T> T run(int slots, Work<T> work) throws IOException, InterruptedException {
    Semaphore pool = POOLS.computeIfAbsent(slots, Semaphore::new);
    pool.acquire();
    try {
      return work.run();
    } finally {
      pool.release();
    }
  }
}

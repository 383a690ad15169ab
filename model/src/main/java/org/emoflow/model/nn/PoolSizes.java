package org.emoflow.model.nn;

import java.util.SplittableRandom;
import org.emoflow.model.ModelConfig;

/**
 * EMO's pool size M per segment and layer. While training, M is drawn uniformly from [M_min, M_max]
 * per document piece and per layer, from a generator keyed by (seed, step, micro-batch) so a resumed
 * run draws the same sizes. At evaluation a fixed M, or no pool.
 */
public final class PoolSizes {
  private final long[][] sizes;

  private PoolSizes(long[][] sizes) {
    this.sizes = sizes;
  }

  public static PoolSizes sampled(ModelConfig config, int segments, long seed, long step, int microBatch) {
    SplittableRandom random = new SplittableRandom(mix(seed, step, microBatch));
    long[][] sizes = new long[config.layers()][segments];
    for (int layer = 0; layer < config.layers(); layer++) {
      for (int s = 0; s < segments; s++) {
        sizes[layer][s] = random.nextInt(config.poolMin(), config.poolMax() + 1);
      }
    }
    return new PoolSizes(sizes);
  }

  public static PoolSizes fixed(ModelConfig config, int segments, int pool) {
    long[][] sizes = new long[config.layers()][segments];
    for (long[] layer : sizes) {
      java.util.Arrays.fill(layer, pool);
    }
    return new PoolSizes(sizes);
  }

  public long[] forLayer(int layer) {
    return sizes[layer];
  }

  private static long mix(long seed, long step, int microBatch) {
    long h = seed;
    h = h * 0x9E3779B97F4A7C15L + step;
    h = h * 0x9E3779B97F4A7C15L + microBatch;
    return h ^ (h >>> 29);
  }
}

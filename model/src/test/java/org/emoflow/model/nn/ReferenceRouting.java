package org.emoflow.model.nn;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The routing rules of spec section 3 and 6, recomputed in double precision with plain loops: the
 * independent reference that {@link Router}'s vectorised tensors are checked against.
 */
final class ReferenceRouting {
  /** [T][E-1]: the distribution top-k is taken from; 0 outside the pool and the kept experts. */
  final double[][] probabilities;
  /** [S][E-1], or null without a pool. */
  final boolean[][] pool;
  /** [T][k]: chosen experts, most probable first. */
  final int[][] top;
  /** [T]: log-sum-exp of the logits the final softmax saw. */
  final double[] logSumExp;

  /**
   * @param poolSizes M per segment, or null for no pool (standard MoE, or EMO without a pool)
   * @param kept the routed experts a restriction keeps, or null for all
   */
  ReferenceRouting(double[][] logits, long[] segmentOfToken, int segments, long[] poolSizes, int[] kept, int topK) {
    int tokens = logits.length;
    int routed = logits[0].length;
    boolean[] keptMask = new boolean[routed];
    if (kept == null) {
      Arrays.fill(keptMask, true);
    } else {
      for (int e : kept) {
        keptMask[e] = true;
      }
    }
    boolean[][] allowed = new boolean[tokens][];
    Arrays.setAll(allowed, t -> keptMask);
    if (poolSizes != null) {
      pool = pools(logits, keptMask, segmentOfToken, segments, poolSizes);
      Arrays.setAll(allowed, t -> pool[(int) segmentOfToken[t]]);
    } else {
      pool = null;
    }
    probabilities = new double[tokens][];
    top = new int[tokens][];
    logSumExp = new double[tokens];
    for (int t = 0; t < tokens; t++) {
      probabilities[t] = softmax(logits[t], allowed[t]);
      top[t] = largest(probabilities[t], topK);
      logSumExp[t] = logSumExp(logits[t], allowed[t]);
    }
  }

  /** Per segment, the M experts (among the kept) with the largest sum of softmax probabilities. */
  private static boolean[][] pools(
      double[][] logits, boolean[] kept, long[] segmentOfToken, int segments, long[] sizes) {
    double[][] sums = new double[segments][logits[0].length];
    for (int t = 0; t < logits.length; t++) {
      double[] p = softmax(logits[t], kept);
      for (int e = 0; e < p.length; e++) {
        sums[(int) segmentOfToken[t]][e] += p[e];
      }
    }
    boolean[][] pool = new boolean[segments][logits[0].length];
    for (int s = 0; s < segments; s++) {
      for (int e : largest(sums[s], (int) Math.min(sizes[s], sums[s].length))) {
        pool[s][e] = kept[e];
      }
    }
    return pool;
  }

  static double[] softmax(double[] logits, boolean[] allowed) {
    double normaliser = Math.exp(logSumExp(logits, allowed));
    double[] p = new double[logits.length];
    for (int e = 0; e < p.length; e++) {
      p[e] = allowed[e] ? Math.exp(logits[e]) / normaliser : 0;
    }
    return p;
  }

  static double logSumExp(double[] logits, boolean[] allowed) {
    double sum = 0;
    for (int e = 0; e < logits.length; e++) {
      sum += allowed[e] ? Math.exp(logits[e]) : 0;
    }
    return Math.log(sum);
  }

  /** Indices of the count largest values, largest first. */
  static int[] largest(double[] values, int count) {
    return IntStream.range(0, values.length).boxed()
        .sorted(Comparator.comparingDouble((Integer e) -> values[e]).reversed())
        .limit(count).mapToInt(Integer::intValue).toArray();
  }
}

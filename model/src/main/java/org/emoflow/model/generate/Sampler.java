package org.emoflow.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** One prompt's choices of next tokens, under a {@link Sampling}. */
final class Sampler {
  private final Sampling sampling;
  private final SplittableRandom random;

  private Sampler(Sampling sampling, SplittableRandom random) {
    this.sampling = sampling;
    this.random = random;
  }

  static Sampler forPrompt(Sampling sampling, long promptIndex) {
    long h = sampling.seed() * 0x9E3779B97F4A7C15L + promptIndex;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
    return new Sampler(sampling, sampling.greedy() ? null : new SplittableRandom(h ^ (h >>> 29)));
  }

  /** A token id below {@code vocabulary} (ids past the tokenizer's, padding rows of the model, never win). */
  int next(float[] logits, int vocabulary) {
    return sampling.greedy() ? argmax(logits, vocabulary) : draw(logits, vocabulary);
  }

  /** The first of the largest logits. */
  static int argmax(float[] logits, int vocabulary) {
    int best = 0;
    for (int id = 1; id < vocabulary; id++) {
      if (logits[id] > logits[best]) {
        best = id;
      }
    }
    return best;
  }

  private int draw(float[] logits, int vocabulary) {
    double max = logits[argmax(logits, vocabulary)];
    double[] weights = new double[vocabulary];
    double total = 0;
    for (int id = 0; id < vocabulary; id++) {
      weights[id] = Math.exp((logits[id] - max) / sampling.temperature());
      total += weights[id];
    }
    Integer[] order = nucleusOrder(weights);
    // The nucleus: most likely first (ties by id), until its mass reaches top_p of the total.
    double mass = 0;
    int size = 0;
    while (size < order.length && (size == 0 || mass < sampling.topP() * total)) {
      mass += weights[order[size++]];
    }
    double u = random.nextDouble() * mass;
    double running = 0;
    for (int i = 0; i < size; i++) {
      running += weights[order[i]];
      if (u < running) {
        return order[i];
      }
    }
    return order[size - 1];
  }

  /** Ids by decreasing weight; with top_p = 1 every token is in the nucleus and id order will do. */
  private Integer[] nucleusOrder(double[] weights) {
    Integer[] ids = new Integer[weights.length];
    Arrays.setAll(ids, i -> i);
    if (sampling.topP() < 1) {
      Arrays.sort(ids, (a, b) -> weights[a] != weights[b] ? Double.compare(weights[b], weights[a]) : a - b);
    }
    return ids;
  }
}

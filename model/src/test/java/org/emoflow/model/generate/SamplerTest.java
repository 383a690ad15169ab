package org.emoflow.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The sampler on hand-made distributions. */
class SamplerTest {
  private static final int DRAWS = 40_000;

  /** Probabilities 0.5, 0.3, 0.15, 0.05 as logits; the last id is past the vocabulary. */
  private static final float[] LOGITS = {
    (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05), 100f};

  private static double[] frequencies(Sampling sampling) {
    Sampler sampler = Sampler.forPrompt(sampling, 0);
    double[] counts = new double[LOGITS.length];
    for (int i = 0; i < DRAWS; i++) {
      counts[sampler.next(LOGITS, 4)]++;
    }
    for (int id = 0; id < counts.length; id++) {
      counts[id] /= DRAWS;
    }
    return counts;
  }

  @Test
  void greedyTakesTheFirstLargestLogitBelowTheVocabulary() {
    assertEquals(0, Sampler.forPrompt(Sampling.GREEDY, 0).next(LOGITS, 4));
    assertEquals(4, Sampler.forPrompt(Sampling.GREEDY, 0).next(LOGITS, 5));
    assertEquals(1, Sampler.argmax(new float[] {1f, 3f, 3f, 2f}, 4));
  }

  @Test
  void temperatureOneDrawsTheModelsDistribution() {
    double[] seen = frequencies(new Sampling(1.0, 1.0, 7));
    double[] expected = {0.5, 0.3, 0.15, 0.05, 0};
    for (int id = 0; id < expected.length; id++) {
      // Four standard deviations of a frequency from 40,000 draws: at most 0.01.
      assertEquals(expected[id], seen[id], 0.01, "id " + id);
    }
  }

  /** top_p 0.75: the nucleus is {0, 1} (0.5 + 0.3 reaches it), renormalised to 0.625 / 0.375. */
  @Test
  void topPKeepsTheSmallestSetReachingItAndRenormalises() {
    double[] seen = frequencies(new Sampling(1.0, 0.75, 7));
    assertEquals(0.625, seen[0], 0.01);
    assertEquals(0.375, seen[1], 0.01);
    assertEquals(0, seen[2]);
    assertEquals(0, seen[3]);
    // top_p 0.8 is reached by the same two (0.5 + 0.3 = 0.8); 0.81 needs the third.
    assertEquals(0, frequencies(new Sampling(1.0, 0.8, 7))[2]);
    assertEquals(0.15 / 0.95, frequencies(new Sampling(1.0, 0.81, 7))[2], 0.01);
  }

  /** Temperature 0.5 squares the probabilities before renormalising: 0.25, 0.09, 0.0225, 0.0025 over 0.365. */
  @Test
  void temperatureSharpens() {
    double[] seen = frequencies(new Sampling(0.5, 1.0, 3));
    assertEquals(0.25 / 0.365, seen[0], 0.01);
    assertEquals(0.09 / 0.365, seen[1], 0.01);
  }

  @Test
  void eachPromptIndexHasItsOwnReproducibleDraws() {
    Sampling sampling = new Sampling(1.0, 1.0, 9);
    int[] first = draws(Sampler.forPrompt(sampling, 0));
    assertEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(draws(Sampler.forPrompt(sampling, 0))));
    assertEquals(false, java.util.Arrays.equals(first, draws(Sampler.forPrompt(sampling, 1))));
    assertEquals(false, java.util.Arrays.equals(first, draws(Sampler.forPrompt(new Sampling(1.0, 1.0, 10), 0))));
  }

  private static int[] draws(Sampler sampler) {
    int[] out = new int[32];
    for (int i = 0; i < out.length; i++) {
      out[i] = sampler.next(LOGITS, 4);
    }
    return out;
  }

  @Test
  void settingsOutOfRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 1.5, 0));
  }
}

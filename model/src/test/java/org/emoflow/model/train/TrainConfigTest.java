package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrainConfigTest {
  /** 100 steps, 10 of warm-up, peak 1e-3, cosine down to 0.1 x peak. */
  private static final TrainConfig CONFIG =
      new TrainConfig(100, 16, 16, 1e-3, 10, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0, 0, 10, 1, 8, 1);

  @Test
  void learningRateWarmsUpLinearlyThenFollowsACosineToATenthOfThePeak() {
    assertEquals(0.0, CONFIG.learningRateAt(0), 1e-15);
    assertEquals(1e-4, CONFIG.learningRateAt(1), 1e-15);
    assertEquals(5e-4, CONFIG.learningRateAt(5), 1e-15);
    assertEquals(1e-3, CONFIG.learningRateAt(10), 1e-15);
    // Halfway through the decay cos(pi/2) = 0: 0.1 + 0.9 x 0.5 = 0.55 of the peak.
    assertEquals(5.5e-4, CONFIG.learningRateAt(55), 1e-15);
    // A third of the way, cos(pi/3) = 1/2: 0.1 + 0.9 x 0.5 x 1.5 = 0.775 of the peak.
    assertEquals(7.75e-4, CONFIG.learningRateAt(40), 1e-15);
    assertEquals(1e-4, CONFIG.learningRateAt(100), 1e-15);
    assertEquals(1e-4, CONFIG.learningRateAt(150), 1e-15, "past the end it stays at the floor");
  }

  @Test
  void microBatchMustDivideTheBatch() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig(10, 16, 5, 1e-3, 1, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0, 0, 10, 1, 8, 1));
    assertEquals("micro-batch size (5) must divide the batch size (16)", refused.getMessage());
  }

  @Test
  void defaultsFollowTheSpec() {
    TrainConfig defaults = TrainConfig.defaults(1000, 3);
    assertEquals(0.9, defaults.beta1());
    assertEquals(0.95, defaults.beta2());
    assertEquals(0.1, defaults.weightDecay());
    assertEquals(1.0, defaults.clipNorm());
    assertEquals(0.1, defaults.minLrRatio());
    assertEquals(100, defaults.warmupSteps());
  }

  @Test
  void aResumeMayChangeOnlyWhatCannotChangeTheWeights() {
    TrainConfig quieter = new TrainConfig(100, 16, 16, 1e-3, 10, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0, 0, 10, 5, 8, 50);
    assertEquals(quieter, CONFIG.withBookkeepingOf(quieter), "log interval and checkpoints kept may change");
    TrainConfig fasterLr = new TrainConfig(100, 16, 16, 2e-3, 10, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0, 0, 10, 1, 8, 1);
    assertNotEquals(fasterLr, CONFIG.withBookkeepingOf(fasterLr));
  }
}

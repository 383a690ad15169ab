package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.emoflow.model.io.Json;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
  /** 100 steps, 10 of warm-up, peak 1e-3, cosine down to 0.1 x peak. */
  private static final TrainConfig CONFIG = TrainConfig.builder(100, 0).learningRate(1e-3).warmupSteps(10).build();

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
        () -> CONFIG.toBuilder().microBatchSize(5).build());
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

  /** The builder's defaults are the positional values {@code defaults} held before it had one. */
  @Test
  void defaultsAreUnchangedByTheBuilder() {
    assertEquals(new TrainConfig(1000, 16, 16, 3e-3, 100, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 3, 200, 64, 200, 3, 1024, 10),
        TrainConfig.defaults(1000, 3));
    assertEquals(new TrainConfig(4, 16, 16, 3e-3, 1, 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, 7, 1, 64, 1, 3, 1024, 10),
        TrainConfig.defaults(4, 7), "at least one step of warm-up, between validations and checkpoints");
  }

  @Test
  void toBuilderChangesOnlyWhatIsNamed() {
    TrainConfig changed = CONFIG.toBuilder().betas(0.8, 0.9).seed(42).build();
    assertEquals(CONFIG, changed.toBuilder().betas(0.9, 0.95).seed(0).build());
    assertEquals(List.of(0.8, 0.9), List.of(changed.beta1(), changed.beta2()));
  }

  /** trainer.json keeps the settings and nothing else, and reads back equal. */
  @Test
  void jsonHoldsTheSettingsOnly() throws IOException {
    String json = Json.write(CONFIG);
    assertEquals(CONFIG, Json.read(json, TrainConfig.class));
    assertEquals(TrainConfig.class.getRecordComponents().length, new ObjectMapper().readTree(json).size(), json);
  }

  @Test
  void aResumeMayChangeOnlyWhatCannotChangeTheWeights() {
    TrainConfig quieter = CONFIG.toBuilder().keepCheckpoints(5).logInterval(50).build();
    assertEquals(quieter, CONFIG.withBookkeepingOf(quieter), "log interval and checkpoints kept may change");
    TrainConfig fasterLr = CONFIG.toBuilder().learningRate(2e-3).build();
    assertNotEquals(fasterLr, CONFIG.withBookkeepingOf(fasterLr));
  }
}

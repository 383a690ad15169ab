package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** EMO's document pool in a whole model: a pool of every routed expert is no constraint at all. */
class EmoPoolTest {
  private static final ModelConfig EMO = TestModels.tiny(RouterKind.EMO, 12);
  private static final PackedBatch BATCH = new PackedBatch(List.of(
      TestBatches.row(12, TestBatches.run(3, 7), TestBatches.run(40, 5)),
      TestBatches.row(12, TestBatches.run(70, 9))));
  private static final long SEED = 21;

  private static NDManager manager;
  private static LanguageModel emo;
  private static LanguageModel standard;

  @BeforeAll
  static void build() {
    manager = Compute.newManager();
    // Weights are seeded per tensor name, so both models hold the same weights.
    emo = new LanguageModel(EMO, manager, SEED);
    standard = new LanguageModel(EMO.withRouter(RouterKind.STANDARD), manager, SEED);
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  @Test
  void poolOfAllRoutedExpertsGivesTheStandardLogits() {
    float[] expected = TestModels.logits(standard, BATCH, null);
    PoolSizes everything = PoolSizes.fixed(EMO, BATCH.segments, EMO.routedExperts());
    assertArrayEquals(expected, TestModels.logits(emo, BATCH, everything));
    assertArrayEquals(expected, TestModels.logits(emo, BATCH, null), "EMO evaluated without a pool");
  }

  @Test
  void smallerPoolChangesTheLogits() {
    float[] unconstrained = TestModels.logits(emo, BATCH, null);
    float[] pooled = TestModels.logits(emo, BATCH, PoolSizes.fixed(EMO, BATCH.segments, EMO.topK()));
    assertTrue(TestModels.maxAbsDifference(unconstrained, pooled) > 1e-4);
  }

  @Test
  void sampledPoolSizesLieInRangeAndRepeatForTheSameStep() {
    ModelConfig config = EMO.withPool(3, 6);
    PoolSizes first = PoolSizes.sampled(config, 50, 7, 3, 1);
    PoolSizes again = PoolSizes.sampled(config, 50, 7, 3, 1);
    PoolSizes otherMicroBatch = PoolSizes.sampled(config, 50, 7, 3, 2);
    boolean[] seen = new boolean[7];
    for (int layer = 0; layer < config.layers(); layer++) {
      assertArrayEquals(first.forLayer(layer), again.forLayer(layer));
      for (long size : first.forLayer(layer)) {
        assertTrue(size >= 3 && size <= 6, "size " + size);
        seen[(int) size] = true;
      }
    }
    assertTrue(seen[3] && seen[6], "both ends of [pool_min, pool_max] are drawn");
    assertFalse(Arrays.equals(first.forLayer(0), otherMicroBatch.forLayer(0)));
    assertEquals(50, first.forLayer(1).length);
  }
}

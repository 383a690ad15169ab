package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestMemory;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.LayerRouting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The step objective's terms (spec section 5) on hand-made routing decisions. */
class LossesTest {
  /** 7 routed experts, top-2, 2 layers; load-balancing weight 0.05, z-loss weight 1e-3. */
  private static final ModelConfig CONFIG = TestModels.tiny(RouterKind.STANDARD, 16);
  private static final int ROUTED = CONFIG.routedExperts();
  /** 14 real tokens (documents of 8 and 6) and 2 padding tokens; 12 scored targets. */
  private static final PackedBatch BATCH =
      new PackedBatch(List.of(TestBatches.row(16, TestBatches.run(3, 8), TestBatches.run(20, 6))));
  private static final int REAL = 14;

  private NDManager manager;
  private BatchTensors batch;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
    batch = new BatchTensors(BATCH, manager, true);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void loadBalancingIsExactlyOneWhenAssignmentsAndProbabilitiesAreUniform() {
    Losses losses = new Losses(CONFIG, REAL, BATCH.scoredTokens);
    // 14 tokens x top-2 = 28 assignments, 4 per expert. Padding rows are skewed: they must not count.
    long[] uniform = new long[ROUTED];
    Arrays.fill(uniform, 4);
    for (int layer = 0; layer < CONFIG.layers(); layer++) {
      NDArray weighted = losses.loadBalancing(routing(probabilities(0), new float[BATCH.totalTokens()]), batch, uniform);
      assertEquals(0.05 / CONFIG.layers(), weighted.getFloat(), 1e-8, "1.0 x lb_weight / layers");
    }
    assertEquals(1.0, losses.loadBalancingValue(), 1e-6);
  }

  @Test
  void loadBalancingOfACollapsedRouterSumsOverMicroBatches() {
    // Every token puts p = 1/2 on experts 0 and 1 and picks both: f = (1, 1, 0, ...), P = (1/2, 1/2, 0, ...),
    // L = (7/2) (1 x 1/2 + 1 x 1/2) = 3.5. Two identical micro-batches make one step of 28 real tokens.
    Losses losses = new Losses(CONFIG, 2 * REAL, 2 * BATCH.scoredTokens);
    long[] global = {2 * REAL, 2 * REAL, 0, 0, 0, 0, 0};
    LayerRouting collapsed = routing(probabilities(2), new float[BATCH.totalTokens()]);
    for (int microBatch = 0; microBatch < 2; microBatch++) {
      losses.loadBalancing(collapsed, batch, global);
    }
    assertEquals(3.5 / CONFIG.layers(), losses.loadBalancingValue(), 1e-6);
  }

  @Test
  void zLossIsTheMeanSquaredLogSumExpOverRealTokens() {
    Losses losses = new Losses(CONFIG, REAL, BATCH.scoredTokens);
    float[] logSumExp = logSumExp();
    losses.zLoss(routing(probabilities(0), logSumExp), batch);
    double expected = 0;
    for (int t = 0; t < REAL; t++) {
      expected += (double) logSumExp[t] * logSumExp[t];
    }
    assertEquals(expected / REAL / CONFIG.layers(), losses.zLossValue(), 1e-6);
  }

  @Test
  void gradientsOfEveryTermAreTheHandComputedOnes() throws InterruptedException {
    Losses losses = new Losses(CONFIG, REAL, BATCH.scoredTokens);
    NDArray probabilities = manager.create(probabilities(0), new Shape(BATCH.totalTokens(), ROUTED));
    float[] logSumExpValues = logSumExp();
    NDArray logSumExp = manager.create(logSumExpValues);
    NDArray crossEntropySum = manager.create(30f);
    for (NDArray input : List.of(probabilities, logSumExp, crossEntropySum)) {
      input.setRequiresGradient(true);
    }
    long[] assignments = {6, 5, 4, 4, 3, 3, 3};
    LayerRouting routing =
        new LayerRouting(probabilities, probabilities, logSumExp, null, null, assignments, null, null);
    try (GradientCollector collector = Compute.engine().newGradientCollector()) {
      NDArray objective = losses.crossEntropy(crossEntropySum)
          .add(losses.loadBalancing(routing, batch, assignments)).add(losses.zLoss(routing, batch));
      // Freed Java memory is reused before the backward pass, as a long run's garbage collector would.
      List<ByteBuffer> poison = TestMemory.reclaimAndPoisonFreedDirectMemory();
      collector.backward(objective);
      Reference.reachabilityFence(poison);
    }
    assertEquals(1.0 / BATCH.scoredTokens, crossEntropySum.getGradient().getFloat(), 1e-7);
    float[] probabilityGradient = probabilities.getGradient().toFloatArray();
    float[] logSumExpGradient = logSumExp.getGradient().toFloatArray();
    for (int t = 0; t < BATCH.totalTokens(); t++) {
      double real = BATCH.padding[t] ? 0 : 1;
      for (int e = 0; e < ROUTED; e++) {
        double expected = 0.05 / 2 * (7.0 / 2) / REAL * ((double) assignments[e] / REAL) * real;
        assertEquals(expected, probabilityGradient[t * ROUTED + e], 1e-8, "dL/dp[" + t + "][" + e + "]");
      }
      assertEquals(1e-3 / 2 * 2 * logSumExpValues[t] / REAL * real, logSumExpGradient[t], 1e-8, "dL/dlse[" + t + "]");
    }
  }

  /** Real tokens spread their mass uniformly (hotExperts 0) or over experts 0..hotExperts-1; padding rows all on expert 6. */
  private static float[] probabilities(int hotExperts) {
    float[] p = new float[BATCH.totalTokens() * ROUTED];
    for (int t = 0; t < BATCH.totalTokens(); t++) {
      for (int e = 0; e < ROUTED; e++) {
        float value;
        if (BATCH.padding[t]) {
          value = e == ROUTED - 1 ? 1f : 0f;
        } else if (hotExperts == 0) {
          value = 1f / ROUTED;
        } else {
          value = e < hotExperts ? 1f / hotExperts : 0f;
        }
        p[t * ROUTED + e] = value;
      }
    }
    return p;
  }

  /** 0.5, 1.0, 1.5, ... so every token contributes a different square. */
  private static float[] logSumExp() {
    float[] values = new float[BATCH.totalTokens()];
    for (int t = 0; t < values.length; t++) {
      values[t] = 0.5f * (t + 1);
    }
    return values;
  }

  private LayerRouting routing(float[] probabilities, float[] logSumExp) {
    NDArray p = manager.create(probabilities, new Shape(BATCH.totalTokens(), ROUTED));
    return new LayerRouting(p, p, manager.create(logSumExp), null, null, null, null, null);
  }
}

package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Router} on hand-made logits, against {@link ReferenceRouting}'s double-precision loops. */
class RouterTest {
  private static final double TOLERANCE = 1e-6;
  /** 7 routed experts, top-2; pools drawn from [3, 4] so both sizes can be had. */
  private static final ModelConfig CONFIG = TestModels.tiny(RouterKind.EMO, 8).withPool(3, 4);
  private static final int ROUTED = CONFIG.routedExperts();
  private static final int TOP_K = CONFIG.topK();
  /** Two documents (3 and 4 tokens) and one padding token, which forms a third segment. */
  private static final PackedBatch BATCH =
      new PackedBatch(List.of(TestBatches.row(8, TestBatches.run(5, 3), TestBatches.run(20, 4))));
  private static final double[][] LOGITS = {
    // document 0 favours experts 0-2; its token 2 alone prefers expert 6
    {2.0, 1.5, 0.3, -1.0, 0.1, -0.5, -0.9},
    {0.4, 2.2, 1.8, 0.0, -0.7, 0.2, -0.4},
    {0.6, 0.1, 1.5, -0.3, 0.5, -1.2, 1.8},
    // document 1 favours experts 3-5
    {-0.8, 0.3, 0.0, 2.5, 1.9, 0.7, -0.2},
    {0.2, -1.1, 0.6, 1.4, 2.8, 1.0, 0.3},
    {1.7, 0.0, -0.4, 0.9, 0.5, 2.1, -0.6},
    {0.1, 0.8, 0.2, 1.6, -0.3, 1.2, 0.4},
    // padding
    {0.5, -0.2, 0.7, 0.0, 0.3, -0.9, 1.0},
  };

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void emoPoolIsTopMOfSegmentSumsAndGatesAreRenormalisedInsideIt() {
    PoolSizes pools = poolsOf(3, 4);
    Router.Decision decision = route(RouterKind.EMO, pools, null, 0);
    ReferenceRouting expected = reference(pools.forLayer(0), null);
    assertMatches(expected, decision);
    // The pool is a document-level choice: token 2's own favourite (expert 6) is outside its pool.
    assertEquals(6, ReferenceRouting.largest(LOGITS[2], 1)[0]);
    assertFalse(expected.pool[0][6]);
    assertEquals(3, count(expected.pool[0]));
    assertEquals(4, count(expected.pool[1]));
  }

  @ParameterizedTest
  @EnumSource(value = RouterKind.class, names = {"STANDARD", "EMO"})
  void withoutPoolGatesArePlainSoftmaxValuesOfTheTopK(RouterKind kind) {
    Router.Decision decision = route(kind, null, null, 0);
    assertNull(decision.pool());
    assertMatches(reference(null, null), decision);
  }

  @Test
  void gatesAreNotRenormalisedOverTheK() {
    float[] weights = route(RouterKind.STANDARD, null, null, 0).topWeights().toFloatArray();
    double[] p = ReferenceRouting.softmax(LOGITS[0], allExperts());
    assertEquals(p[0] + p[1], weights[0] + weights[1], TOLERANCE);
    assertTrue(weights[0] + weights[1] < 0.9, "two gates of a spread distribution sum well below 1");
  }

  @Test
  void restrictionTakesTheSoftmaxOverKeptExpertsOnlyInItsLayer() {
    int[] kept = {1, 3, 4, 6};
    ExpertRestriction restriction = ExpertRestriction.none(CONFIG.layers()).with(1, kept);
    Router.Decision restricted = route(RouterKind.STANDARD, null, restriction, 1);
    ReferenceRouting expected = reference(null, kept);
    assertMatches(expected, restricted);
    for (double[] p : expected.probabilities) {
      assertEquals(0.0, p[0]);
      assertEquals(1.0, p[1] + p[3] + p[4] + p[6], 1e-12);
    }
    assertMatches(reference(null, null), route(RouterKind.STANDARD, null, restriction, 0));
  }

  @Test
  void poolWithRestrictionStaysInsideTheKeptExperts() {
    int[] kept = {0, 2, 3, 5, 6};
    ExpertRestriction restriction = ExpertRestriction.none(CONFIG.layers()).with(0, kept);
    PoolSizes pools = poolsOf(3, 4);
    ReferenceRouting expected = reference(pools.forLayer(0), kept);
    assertMatches(expected, route(RouterKind.EMO, pools, restriction, 0));
    assertFalse(expected.pool[0][1], "expert 1 ranks high in document 0 but is not kept");
  }

  @Test
  void poolLargerThanTheKeptSetIsTheKeptSet() {
    int[] kept = {0, 2, 3, 5, 6};
    ExpertRestriction restriction = ExpertRestriction.none(CONFIG.layers()).with(0, kept);
    PoolSizes pools = PoolSizes.fixed(CONFIG, BATCH.segments, ROUTED);
    Router.Decision decision = route(RouterKind.EMO, pools, restriction, 0);
    assertMatches(reference(pools.forLayer(0), kept), decision);
    boolean[] pool = decision.pool().toBooleanArray();
    for (int s = 0; s < BATCH.segments; s++) {
      for (int e = 0; e < ROUTED; e++) {
        assertEquals(Arrays.binarySearch(kept, e) >= 0, pool[s * ROUTED + e], "segment " + s + " expert " + e);
      }
    }
  }

  /**
   * PoolSizes only draws sizes (or fixes one for all segments): take the first step whose draw gives the
   * two documents of layer 0 the wanted sizes, so the test controls a per-segment M.
   */
  private static PoolSizes poolsOf(int first, int second) {
    for (long step = 0; ; step++) {
      PoolSizes pools = PoolSizes.sampled(CONFIG, BATCH.segments, 17, step, 0);
      if (pools.forLayer(0)[0] == first && pools.forLayer(0)[1] == second) {
        return pools;
      }
    }
  }

  private Router.Decision route(RouterKind kind, PoolSizes pools, ExpertRestriction restriction, int layer) {
    float[] flat = new float[LOGITS.length * ROUTED];
    for (int t = 0; t < LOGITS.length; t++) {
      for (int e = 0; e < ROUTED; e++) {
        flat[t * ROUTED + e] = (float) LOGITS[t][e];
      }
    }
    ForwardContext context = new ForwardContext(
        new BatchTensors(BATCH, manager, true), CONFIG.layers(), pools, restriction, false);
    return new Router(kind, ROUTED, TOP_K).route(
        manager.create(flat, new Shape(LOGITS.length, ROUTED)), context, layer);
  }

  /** The hand-made logits are written to float32 for the router, so the reference sees the same values. */
  private static ReferenceRouting reference(long[] poolSizes, int[] kept) {
    double[][] asFloat = new double[LOGITS.length][ROUTED];
    for (int t = 0; t < LOGITS.length; t++) {
      for (int e = 0; e < ROUTED; e++) {
        asFloat[t][e] = (float) LOGITS[t][e];
      }
    }
    return new ReferenceRouting(asFloat, BATCH.segmentOfToken, BATCH.segments, poolSizes, kept, TOP_K);
  }

  private static void assertMatches(ReferenceRouting expected, Router.Decision decision) {
    float[] probabilities = decision.probabilities().toFloatArray();
    float[] logSumExp = decision.logSumExp().toFloatArray();
    float[] weights = decision.topWeights().toFloatArray();
    for (int t = 0; t < LOGITS.length; t++) {
      for (int e = 0; e < ROUTED; e++) {
        assertEquals(expected.probabilities[t][e], probabilities[t * ROUTED + e], TOLERANCE, "p[" + t + "][" + e + "]");
      }
      assertEquals(expected.logSumExp[t], logSumExp[t], TOLERANCE, "logsumexp of token " + t);
      for (int j = 0; j < TOP_K; j++) {
        int chosen = expected.top[t][j];
        assertEquals(chosen, decision.topExperts()[t * TOP_K + j], "choice " + j + " of token " + t);
        assertEquals(expected.probabilities[t][chosen], weights[t * TOP_K + j], TOLERANCE, "gate " + j + " of token " + t);
      }
    }
    if (expected.pool == null) {
      assertNull(decision.pool());
    } else {
      boolean[] pool = decision.pool().toBooleanArray();
      for (int s = 0; s < expected.pool.length; s++) {
        assertArrayEquals(expected.pool[s], Arrays.copyOfRange(pool, s * ROUTED, (s + 1) * ROUTED), "pool of segment " + s);
      }
    }
  }

  private static boolean[] allExperts() {
    boolean[] all = new boolean[ROUTED];
    Arrays.fill(all, true);
    return all;
  }

  private static int count(boolean[] flags) {
    int n = 0;
    for (boolean flag : flags) {
      n += flag ? 1 : 0;
    }
    return n;
  }
}

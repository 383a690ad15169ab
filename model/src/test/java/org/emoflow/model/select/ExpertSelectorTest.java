package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every selection method on a model whose routing is set by hand. Tokens below 64 ("A", 8 scored per row)
 * and from 64 ("B", 6 per row) route as follows (k = 2, K = 3 keeps 2 routed experts):
 *
 * <ul>
 *   <li>layer 0: A prefers experts 0, 1; B prefers 2, 3; both rank expert 6 third, close behind. Expert 6 has
 *       the highest mean probability after expert 0 but is never in a top-2; expert 3's output is 4x larger.
 *   <li>experts 0, 1 and 6 write channel P, experts 2 and 3 channel Q. Layer 1 sends P mildly to experts 0,
 *       1 and Q sharply to experts 4, 5; its experts are silent (all output scores 0, a tie).
 * </ul>
 *
 * Restricting layer 0 to {0, 6} sends B through expert 6, onto channel P: layer 1 then prefers {0, 1},
 * while the unrestricted model's layer 1 prefers B's confident {4, 5}.
 */
class ExpertSelectorTest {
  private static final int A = 0;
  private static final int B = 1;
  private static final int P = 2;
  private static final int Q = 3;
  private static final int K = 3;
  private static final List<PackedSequence> CALIBRATION = List.of(
      TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(2, 9), TestBatches.run(70, 7)),
      TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(20, 9), TestBatches.run(90, 7)));

  private NDManager manager;
  private LanguageModel model;

  @BeforeEach
  void build() {
    manager = Compute.newManager();
    model = new CraftedModel(manager)
        .channel(0, 64, A).channel(64, 128, B)
        .routerLogits(0, A, 3.2, 3.0, 0, 0, 0, 0, 2.6)
        .routerLogits(0, B, 0, 0, 3.0, 2.9, 0, 0, 2.6)
        .expertWrites(0, 0, P, 1).expertWrites(0, 1, P, 1).expertWrites(0, 6, P, 1)
        .expertWrites(0, 2, Q, 1).expertWrites(0, 3, Q, 4)
        .routerLogits(1, P, 1, 1, 0, 0, 0, 0, 0)
        .routerLogits(1, Q, 0, 0, 0, 0, 5, 5, 0)
        .model();
  }

  @AfterEach
  void release() {
    manager.close();
  }

  private ExpertSelector selector(int batchSize) {
    return new ExpertSelector(model, CALIBRATION, batchSize);
  }

  @Test
  void eachMethodKeepsTheExpertsItsCriterionRanksHighest() {
    ExpertSelector selector = selector(1);
    assertKept(selector.select(SelectionMethod.GLOBAL, K, 0), new int[] {0, 6}, new int[] {4, 5});
    assertKept(selector.select(SelectionMethod.FREQUENCY, K, 0), new int[] {0, 1}, new int[] {0, 1});
    // Layer 1's experts are silent: every output score is 0 and the lower ids win.
    assertKept(selector.select(SelectionMethod.OUTPUT, K, 0), new int[] {0, 3}, new int[] {0, 1});
    assertKept(selector.select(SelectionMethod.LAYERWISE, K, 0), new int[] {0, 6}, new int[] {0, 1});
  }

  /**
   * EMO evaluated with a pool of M = 2, one document of "A" tokens. Layer 0's router gives logits 3.0, 2.9,
   * 2.8 to experts 4, 5, 6 (0 to the rest), layer 1's 1.0, 0.9 to experts 0, 1 and 0.8 to expert 6. The pools
   * are {4, 5} and {0, 1}: inside them the masked probabilities of every other expert are 0, and ranking by
   * those would fill K = 4's third place by id (experts 0 and 2). The routed softmax ranks expert 6 third in
   * both layers (spec 6). Frequency counts the top-k the model really routes to, so only the pool's two
   * experts are ever counted and the third place goes to the lowest id.
   */
  @Test
  void onAnEmoModelWithAnEvaluationPoolGlobalAndLayerwiseRankByTheRoutedSoftmax() {
    int keep = 4;
    try (NDManager emoManager = Compute.newManager()) {
      ModelConfig config = TestModels.tiny(RouterKind.EMO, CraftedModel.SEQ_LEN).withEvalPool(2);
      LanguageModel emo = new CraftedModel(emoManager, config)
          .channel(0, 64, A)
          .routerLogits(0, A, 0, 0, 0, 0, 3.0, 2.9, 2.8)
          .routerLogits(1, A, 1.0, 0.9, 0, 0, 0, 0, 0.8)
          .model();
      List<PackedSequence> oneDocument = List.of(TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(2, 12)));
      ExpertSelector selector = new ExpertSelector(emo, oneDocument, 1);
      double[] softmax0 = softmax(0, 0, 0, 0, 3.0, 2.9, 2.8);
      double[] softmax1 = softmax(1.0, 0.9, 0, 0, 0, 0, 0.8);
      assertArrayEquals(softmax0, selector.unrestrictedStatistics().meanProbability(0), 1e-5);
      assertArrayEquals(softmax1, selector.unrestrictedStatistics().meanProbability(1), 1e-5);
      for (SelectionMethod method : List.of(SelectionMethod.GLOBAL, SelectionMethod.LAYERWISE)) {
        Selection selection = selector.select(method, keep, 0);
        assertArrayEquals(new int[] {4, 5, 6}, selection.kept(0), method + " layer 0");
        assertArrayEquals(new int[] {0, 1, 6}, selection.kept(1), method + " layer 1");
      }
      Selection frequency = selector.select(SelectionMethod.FREQUENCY, keep, 0);
      assertArrayEquals(new int[] {0, 4, 5}, frequency.kept(0));
      assertArrayEquals(new int[] {0, 1, 2}, frequency.kept(1));
      assertArrayEquals(new long[] {0, 0, 0, 0, 11, 11, 0}, selector.unrestrictedStatistics().topKAssignments()[0]);
    }
  }

  private static double[] softmax(double... logits) {
    double sum = Arrays.stream(logits).map(Math::exp).sum();
    return Arrays.stream(logits).map(z -> Math.exp(z) / sum).toArray();
  }

  @Test
  void statisticsCountScoredTokensAndAreMeasuredOnceWhateverTheBatching() {
    ExpertSelector selector = selector(1);
    RoutingStatistics statistics = selector.unrestrictedStatistics();
    selector.select(SelectionMethod.GLOBAL, K, 0);
    selector.select(SelectionMethod.FREQUENCY, K + 2, 0);
    assertSame(statistics, selector.unrestrictedStatistics());
    assertEquals(2 * (8 + 6), statistics.scoredTokens());
    assertEquals(statistics.scoredTokens(), selector.calibration().scoredTokens());
    assertArrayEquals(new long[] {16, 16, 12, 12, 0, 0, 0}, statistics.topKAssignments()[0]);
    assertArrayEquals(new long[] {16, 16, 0, 0, 12, 12, 0}, statistics.topKAssignments()[1]);
    RoutingStatistics oneBatch = selector(2).unrestrictedStatistics();
    for (int layer = 0; layer < 2; layer++) {
      assertEquals(1.0, Arrays.stream(statistics.meanProbability(layer)).sum(), 1e-6);
      assertArrayEquals(statistics.meanProbability(layer), oneBatch.meanProbability(layer), 1e-6);
      assertArrayEquals(statistics.outputScores(layer), oneBatch.outputScores(layer), 1e-3);
    }
  }

  @Test
  void randomSelectionIsSeededUniformAndAlwaysValid() {
    ExpertSelector selector = selector(2);
    Selection first = selector.select(SelectionMethod.RANDOM, K, 5);
    Selection again = selector.select(SelectionMethod.RANDOM, K, 5);
    for (int layer = 0; layer < 2; layer++) {
      assertArrayEquals(first.kept(layer), again.kept(layer), "same seed, same experts");
    }
    Set<List<Integer>> distinct = new HashSet<>();
    int[] timesKept = new int[7];
    int draws = 700;
    for (long seed = 0; seed < draws; seed++) {
      Selection selection = selector.select(SelectionMethod.RANDOM, K, seed);
      distinct.add(Arrays.stream(selection.kept(0)).boxed().toList());
      Arrays.stream(selection.kept(0)).forEach(e -> timesKept[e]++);
      assertNull(selection.calibration(), "random selection uses no calibration");
      assertEquals(seed, selection.randomSeed());
    }
    assertEquals(21, distinct.size(), "every pair of 7 experts is drawn");
    for (int count : timesKept) {
      // 200 expected (700 draws x 2 of 7); a binomial standard deviation is about 12.
      assertTrue(count > 140 && count < 260, Arrays.toString(timesKept));
    }
    for (int kept = K; kept <= 8; kept++) {
      for (long seed = 0; seed < 20; seed++) {
        Selection selection = selector.select(SelectionMethod.RANDOM, kept, seed);
        Selection withoutCalibration = ExpertSelector.random(model.config(), kept, seed);
        for (int layer = 0; layer < 2; layer++) {
          int[] ids = selection.kept(layer);
          assertArrayEquals(ids, withoutCalibration.kept(layer), "the control needs only the shape and the seed");
          assertEquals(kept - 1, ids.length);
          assertTrue(IntStream.range(1, ids.length).allMatch(i -> ids[i - 1] < ids[i]), Arrays.toString(ids));
          assertTrue(ids[0] >= 0 && ids[ids.length - 1] < 7, Arrays.toString(ids));
        }
      }
    }
  }

  @Test
  void impossibleBudgetsMethodsAndModelsAreRefusedNamingTheProblem() {
    ExpertSelector selector = selector(2);
    assertMessage(() -> selector.select(SelectionMethod.GLOBAL, 9, 0), "the model has 8");
    assertMessage(() -> selector.select(SelectionMethod.LAYERWISE, 2, 0), "fewer than top_k (2)");
    assertMessage(() -> SelectionMethod.parse("best"), "unknown selection method 'best'");
    assertMessage(() -> new ExpertSelector(model, List.of(), 1), "no calibration rows");
    assertMessage(() -> new ExpertSelector(model, List.of(TestBatches.row(4, new int[] {5})), 1), "no scored tokens");
    try (LanguageModel dense = new LanguageModel(TestModels.tiny(RouterKind.DENSE, 8), manager, 1)) {
      assertMessage(() -> new ExpertSelector(dense, CALIBRATION, 1), "dense model");
    }
  }

  private static void assertMessage(Executable action, String expected) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, action);
    assertTrue(refused.getMessage().contains(expected), refused.getMessage());
  }

  private static void assertKept(Selection selection, int[] layer0, int[] layer1) {
    assertEquals(K, selection.keptExperts());
    assertArrayEquals(layer0, selection.kept(0), selection.method() + " layer 0");
    assertArrayEquals(layer1, selection.kept(1), selection.method() + " layer 1");
  }
}

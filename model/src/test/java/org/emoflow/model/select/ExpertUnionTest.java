package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The union of two tasks' kept experts and its padding to one width, checked by hand. */
class ExpertUnionTest {
  private static final int[][] TASK_A = {{0, 1, 2}, {3, 4, 5}};
  private static final int[][] TASK_B = {{1, 2, 6}, {3, 4, 5}};

  @Test
  void theUnionKeepsEveryExpertEitherTaskKeeps() {
    int[][] union = ExpertUnion.of(List.of(TASK_A, TASK_B));
    assertArrayEquals(new int[] {0, 1, 2, 6}, union[0]);
    assertArrayEquals(new int[] {3, 4, 5}, union[1]);
    assertEquals(4, ExpertUnion.widest(union));
  }

  /** Layer 1 keeps 3 experts, the widest layer 4: it adds the one outside with the highest summed share. */
  @Test
  void aNarrowerLayerIsPaddedByTheMembersSummedShares() {
    double[][] scoresA = {{1, 1, 1, 1, 1, 1, 1}, {1, 0, 2, 2, 2, 3, 0}};
    double[][] scoresB = {{1, 1, 1, 1, 1, 1, 1}, {0, 1, 0, 1, 0, 0, 2}};
    // Layer 1, outside the union {3, 4, 5}: A's shares (sum 10) 0 -> .1, 1 -> 0, 2 -> .2, 6 -> 0;
    // B's shares (sum 4) 0 -> 0, 1 -> .25, 2 -> 0, 6 -> .5. Summed: 0 .1, 1 .25, 2 .2, 6 .5: 6 is added.
    int[][] padded = ExpertUnion.padded(ExpertUnion.of(List.of(TASK_A, TASK_B)), List.of(scoresA, scoresB));
    assertArrayEquals(new int[] {0, 1, 2, 6}, padded[0]);
    assertArrayEquals(new int[] {3, 4, 5, 6}, padded[1]);
  }

  @Test
  void sharesNotRawScoresDecideSoATaskWithLargeScoresDoesNotDominate() {
    int[][] union = {{3}, {0, 3}};
    // Layer 0 adds one of 0, 1, 2. Raw sums would pick 2 (4000 against 3001); shares give
    // 1 -> .3 + 1 and 2 -> .4 + 0, so 1, which both tasks rank.
    double[][] scoresA = {{0, 3000, 4000, 3000}, {0, 0, 0, 0}};
    double[][] scoresB = {{0, 1, 0, 0}, {0, 0, 0, 0}};
    int[][] padded = ExpertUnion.padded(union, List.of(scoresA, scoresB));
    assertArrayEquals(new int[] {1, 3}, padded[0]);
    assertArrayEquals(new int[] {0, 3}, padded[1], "the widest layer is unchanged");
  }

  @Test
  void withoutScoresTheLowestIdsOutsideAreAdded() {
    double[][] none = {{0, 0, 0, 0}, {0, 0, 0, 0}};
    int[][] padded = ExpertUnion.padded(new int[][] {{2}, {1, 2, 3}}, List.of(none, none));
    assertArrayEquals(new int[] {0, 1, 2}, padded[0]);
  }
}

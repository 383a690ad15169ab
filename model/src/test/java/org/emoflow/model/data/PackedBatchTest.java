package org.emoflow.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.emoflow.model.TestBatches;
import org.junit.jupiter.api.Test;

class PackedBatchTest {
  /** Row 0: documents of 3 and 4 tokens, then 1 padding token. Row 1: one document filling all 8. */
  private static final PackedBatch BATCH = new PackedBatch(List.of(
      TestBatches.row(8, TestBatches.run(5, 3), TestBatches.run(20, 4)),
      TestBatches.row(8, TestBatches.run(40, 8))));

  @Test
  void positionsRestartInEverySegmentAndPaddingIsASegmentOfItsOwn() {
    assertArrayEquals(new long[] {0, 1, 2, 0, 1, 2, 3, 0, 0, 1, 2, 3, 4, 5, 6, 7}, BATCH.positions);
    assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3}, BATCH.segmentOfToken);
    assertEquals(4, BATCH.segments);
    assertArrayEquals(new boolean[] {false, false, true, false}, BATCH.segmentIsPadding);
    assertArrayEquals(new String[] {"d0", "d1", null, "d0"}, BATCH.segmentDomains);
    assertEquals(true, BATCH.padding[7]);
    assertEquals(15, BATCH.realTokens);
  }

  @Test
  void theLastTokenOfASegmentHasNoScoredTarget() {
    assertArrayEquals(new long[] {6, 7, 0, 21, 22, 23, 0, 0, 41, 42, 43, 44, 45, 46, 47, 0}, BATCH.targets);
    assertArrayEquals(new float[] {1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0}, BATCH.scored);
    assertEquals(2 + 3 + 7, BATCH.scoredTokens);
  }

  @Test
  void rowsOfDifferentLengthsAreRefused() {
    List<PackedSequence> rows = List.of(TestBatches.row(8, TestBatches.run(5, 3)), TestBatches.row(6, TestBatches.run(5, 3)));
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new PackedBatch(rows));
    assertEquals("rows of different lengths in one batch: 6 vs 8", refused.getMessage());
  }

  @Test
  void segmentsLongerThanTheRowAreRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new PackedSequence(
        new int[4], new int[] {3, 2}, new String[] {"a", "b"}, new int[2], new String[] {"d0", "d0"}));
    assertEquals("segment lengths [3, 2] do not fit 4 tokens", refused.getMessage());
  }
}

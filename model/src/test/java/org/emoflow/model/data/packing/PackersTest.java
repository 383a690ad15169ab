package org.emoflow.model.data.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.emoflow.model.data.PackedSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PackersTest {
  private static final int PAD = -1;

  /** Document i has tokens 1000 i + 0, 1, 2, ...: every token says where it came from. */
  private static PackableDocument doc(int index, int length) {
    int[] tokens = new int[length];
    for (int t = 0; t < length; t++) {
      tokens[t] = 1000 * index + t;
    }
    return new PackableDocument("d" + index, index % 2 == 0 ? "even" : "odd", tokens);
  }

  private static List<PackedSequence> pack(SequencePacker packer, List<PackableDocument> docs) {
    List<PackedSequence> rows = new ArrayList<>();
    packer.pack(docs, rows::add);
    return rows;
  }

  @Test
  void concatCutsEveryLTokensAndPadsOnlyTheLastRow() {
    List<PackedSequence> rows = pack(new ConcatPacker(4, PAD), List.of(doc(1, 3), doc(2, 6), doc(3, 1)));
    assertEquals(3, rows.size());
    assertArrayEquals(new int[] {1000, 1001, 1002, 2000}, rows.get(0).tokens());
    assertArrayEquals(new int[] {3, 1}, rows.get(0).segmentLengths());
    assertArrayEquals(new String[] {"d1", "d2"}, rows.get(0).docIds());
    assertArrayEquals(new int[] {0, 0}, rows.get(0).docOffsets());
    assertArrayEquals(new int[] {2001, 2002, 2003, 2004}, rows.get(1).tokens());
    assertArrayEquals(new int[] {1}, rows.get(1).docOffsets());
    assertArrayEquals(new int[] {2005, 3000, PAD, PAD}, rows.get(2).tokens());
    assertArrayEquals(new int[] {1, 1}, rows.get(2).segmentLengths());
    assertArrayEquals(new int[] {5, 0}, rows.get(2).docOffsets());
    assertArrayEquals(new String[] {"even", "odd"}, rows.get(2).domains());
  }

  @Test
  void bestFitPlacesLongestPiecesFirstIntoTheTightestRow() {
    // L = 10. Pieces: d1 cut into 10 + 2; d2 7; d3 3; d4 5; d5 2.
    // Decreasing: 10(d1), 7(d2), 5(d4), 3(d3), 2(d1 tail), 2(d5).
    // rows: [d1:10] full; [d2:7] room 3; [d4:5] room 5; d3 (3) -> tightest fit is d2's row (room 3);
    // d1 tail (2) -> d4's row (room 5 -> 3); d5 (2) -> d4's row (room 3 -> 1).
    List<PackedSequence> rows = pack(new BestFitPacker(10, PAD),
        List.of(doc(1, 12), doc(2, 7), doc(3, 3), doc(4, 5), doc(5, 2)));
    assertEquals(3, rows.size());
    assertArrayEquals(new String[] {"d1"}, rows.get(0).docIds());
    assertArrayEquals(new String[] {"d2", "d3"}, rows.get(1).docIds());
    assertArrayEquals(new int[] {7, 3}, rows.get(1).segmentLengths());
    assertArrayEquals(new String[] {"d4", "d1", "d5"}, rows.get(2).docIds());
    assertArrayEquals(new int[] {0, 10, 0}, rows.get(2).docOffsets());
    assertArrayEquals(new int[] {5, 2, 2}, rows.get(2).segmentLengths());
    assertEquals(PAD, rows.get(2).tokens()[9]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"concat", "bestfit"})
  void noTokenIsLostOrDuplicatedAndEveryRowHasLengthL(String mode) {
    Random random = new Random(11);
    int seqLen = 64;
    List<PackableDocument> docs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int length = random.nextInt(10) == 0 ? 1 + random.nextInt(400) : 1 + random.nextInt(80);
      docs.add(doc(i, length));
    }
    List<PackedSequence> rows = pack(SequencePacker.of(mode, seqLen, PAD), docs);
    Map<String, TreeMap<Integer, int[]>> piecesByDoc = new HashMap<>();
    long used = 0;
    for (PackedSequence row : rows) {
      assertEquals(seqLen, row.length());
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++) {
        int length = row.segmentLengths()[s];
        int[] piece = Arrays.copyOfRange(row.tokens(), start, start + length);
        int[] previous = piecesByDoc.computeIfAbsent(row.docIds()[s], k -> new TreeMap<>())
            .put(row.docOffsets()[s], piece);
        assertEquals(null, previous, "piece placed twice");
        start += length;
      }
      used += start;
      for (int i = start; i < seqLen; i++) {
        assertEquals(PAD, row.tokens()[i], "padding only after the segments");
      }
    }
    assertEquals(docs.stream().mapToLong(PackableDocument::length).sum(), used);
    for (PackableDocument doc : docs) {
      int[] rebuilt = piecesByDoc.get(doc.id()).values().stream().flatMapToInt(Arrays::stream).toArray();
      assertArrayEquals(doc.tokens(), rebuilt, doc.id());
      if (mode.equals("bestfit") && doc.length() <= seqLen) {
        assertEquals(1, piecesByDoc.get(doc.id()).size(), doc.id() + " is short yet was split");
      }
    }
    if (mode.equals("concat")) {
      long padded = rows.stream().filter(r -> r.usedTokens() < seqLen).count();
      assertTrue(padded <= 1, "concat pads only its last row");
    }
  }

  @Test
  void bestFitNeedsFewerRowsThanConcatSplitsDocuments() {
    Random random = new Random(5);
    List<PackableDocument> docs = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      docs.add(doc(i, 1 + random.nextInt(100)));
    }
    int splitByConcat = (int) pack(new ConcatPacker(128, PAD), docs).stream()
        .filter(r -> r.docOffsets()[0] > 0).count();
    List<PackedSequence> bestFit = pack(new BestFitPacker(128, PAD), docs);
    assertTrue(splitByConcat > 0);
    assertTrue(bestFit.stream().allMatch(r -> Arrays.stream(r.docOffsets()).allMatch(o -> o == 0)));
    long tokens = docs.stream().mapToLong(PackableDocument::length).sum();
    // First-fit-decreasing style packing stays within a few rows of the lower bound.
    assertTrue(bestFit.size() <= Math.ceil(tokens / 128.0) * 1.05 + 2, "rows: " + bestFit.size());
  }
}

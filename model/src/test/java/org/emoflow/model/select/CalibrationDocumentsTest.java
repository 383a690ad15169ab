package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.emoflow.model.TestDatasets;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's calibration rows: whole documents of its domain only, a seeded sample independent of file layout. */
class CalibrationDocumentsTest {
  private static final int SEQ_LEN = 12;
  private static final int PAD = 0;

  @TempDir Path directory;

  /**
   * 30 documents, alternately "a" and "b", of 3..20 tokens (some longer than L, so cut across rows);
   * document i's tokens are 100 * (i + 1) + offset, so every token names its document and position.
   */
  private static Map<String, int[]> documents() {
    Map<String, int[]> documents = new TreeMap<>();
    for (int i = 0; i < 30; i++) {
      int length = 3 + (i * 7) % 18;
      int first = 100 * (i + 1);
      documents.put((i % 2 == 0 ? "a" : "b") + "-" + i, IntStream.range(first, first + length).toArray());
    }
    return documents;
  }

  /** Concatenates the documents in the given order into rows of L, cutting where a row is full. */
  private static List<PackedSequence> concatenated(List<String> order, Map<String, int[]> documents) {
    List<PackedSequence> rows = new ArrayList<>();
    List<int[]> pieces = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    int used = 0;
    for (String id : order) {
      int[] tokens = documents.get(id);
      for (int offset = 0; offset < tokens.length; ) {
        int take = Math.min(tokens.length - offset, SEQ_LEN - used);
        pieces.add(Arrays.copyOfRange(tokens, offset, offset + take));
        ids.add(id);
        offsets.add(offset);
        offset += take;
        used += take;
        if (used == SEQ_LEN) {
          rows.add(row(pieces, ids, offsets));
          pieces.clear();
          ids.clear();
          offsets.clear();
          used = 0;
        }
      }
    }
    if (used > 0) {
      rows.add(row(pieces, ids, offsets));
    }
    return rows;
  }

  private static PackedSequence row(List<int[]> pieces, List<String> ids, List<Integer> offsets) {
    int[] tokens = new int[SEQ_LEN];
    Arrays.fill(tokens, PAD);
    int at = 0;
    for (int[] piece : pieces) {
      System.arraycopy(piece, 0, tokens, at, piece.length);
      at += piece.length;
    }
    return new PackedSequence(tokens, pieces.stream().mapToInt(p -> p.length).toArray(), ids.toArray(String[]::new),
        offsets.stream().mapToInt(Integer::intValue).toArray(),
        ids.stream().map(id -> id.substring(0, 1)).toArray(String[]::new));
  }

  /** The rows split over two train files. */
  private PreparedDataset dataset(String name, List<PackedSequence> rows) throws IOException {
    Path root = directory.resolve(name);
    Path train = TestDatasets.split(root, PreparedDataset.TRAIN);
    int half = rows.size() / 2;
    TestDatasets.writeRows(train.resolve("part-00000.parquet"), rows.subList(0, half));
    TestDatasets.writeRows(train.resolve("part-00001.parquet"), rows.subList(half, rows.size()));
    ObjectMapper json = new ObjectMapper();
    ObjectNode manifest = json.createObjectNode();
    manifest.putObject("settings").put("vocab_size", 4096).put("eos_id", 1).put("pad_id", PAD)
        .put("seq_len", SEQ_LEN).put("tokenizer", "synthetic");
    manifest.putObject("domains").putObject("a").put("packed", 15);
    json.writeValue(root.resolve("manifest.json").toFile(), manifest);
    return PreparedDataset.open(root);
  }

  /** Every document in the rows, reassembled from its segments by offset. */
  private static Map<String, int[]> reassembled(List<PackedSequence> rows) {
    Map<String, TreeMap<Integer, int[]>> pieces = new TreeMap<>();
    for (PackedSequence row : rows) {
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++) {
        int length = row.segmentLengths()[s];
        pieces.computeIfAbsent(row.docIds()[s], id -> new TreeMap<>())
            .put(row.docOffsets()[s], Arrays.copyOfRange(row.tokens(), start, start + length));
        start += length;
      }
      assertTrue(start <= SEQ_LEN);
    }
    Map<String, int[]> documents = new TreeMap<>();
    pieces.forEach((id, byOffset) -> documents.put(id,
        byOffset.values().stream().flatMapToInt(Arrays::stream).toArray()));
    return documents;
  }

  @Test
  void theRowsHoldTheWholeDocumentsOfTheDomainWithTheSmallestSeededHashes() throws IOException {
    Map<String, int[]> documents = documents();
    PreparedDataset data = dataset("data", concatenated(List.copyOf(documents.keySet()), documents));
    List<String> domainA = documents.keySet().stream().filter(id -> id.startsWith("a-")).toList();

    for (long seed : new long[] {0, 7}) {
      List<PackedSequence> rows = CalibrationDocuments.select(data, PreparedDataset.TRAIN, "a", 4, seed);
      Set<String> expected = domainA.stream()
          .sorted(Comparator.comparingLong((String id) -> CalibrationDocuments.hash(seed, id)))
          .limit(4)
          .collect(Collectors.toSet());
      Map<String, int[]> chosen = reassembled(rows);
      assertEquals(expected, chosen.keySet(), "seed " + seed);
      chosen.forEach((id, tokens) -> assertArrayEquals(documents.get(id), tokens, id + " is whole, in order"));
      for (PackedSequence row : rows) {
        assertTrue(Arrays.stream(row.domains()).allMatch("a"::equals));
        assertTrue(Arrays.stream(row.tokens(), row.usedTokens(), SEQ_LEN).allMatch(t -> t == PAD), "padding");
      }
    }
    assertNotEquals(reassembled(CalibrationDocuments.select(data, PreparedDataset.TRAIN, "a", 4, 0)).keySet(),
        reassembled(CalibrationDocuments.select(data, PreparedDataset.TRAIN, "a", 4, 7)).keySet(),
        "another seed draws another sample");

    Map<String, int[]> all = reassembled(CalibrationDocuments.select(data, PreparedDataset.TRAIN, "a", 0, 0));
    assertEquals(Set.copyOf(domainA), all.keySet(), "0 keeps every document of the domain");
    assertEquals(all.keySet(),
        reassembled(CalibrationDocuments.select(data, PreparedDataset.TRAIN, "a", 100, 0)).keySet());
    assertTrue(CalibrationDocuments.select(data, PreparedDataset.TRAIN, "c", 4, 0).isEmpty());
  }

  @Test
  void theSampleDoesNotDependOnFileOrderOrPacking() throws IOException {
    Map<String, int[]> documents = documents();
    List<String> order = new ArrayList<>(documents.keySet());
    PreparedDataset forward = dataset("forward", concatenated(order, documents));
    java.util.Collections.reverse(order);
    PreparedDataset reversed = dataset("reversed", concatenated(order, documents));
    assertEquals(CalibrationFingerprint.of(CalibrationDocuments.select(forward, PreparedDataset.TRAIN, "b", 5, 3)),
        CalibrationFingerprint.of(CalibrationDocuments.select(reversed, PreparedDataset.TRAIN, "b", 5, 3)));
  }
}

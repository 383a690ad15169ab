package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.schemas.TrainingSequence;

/** A prepare output directory read back, with the invariants every output must satisfy. */
final class PreparedOutput {
  final Path root;
  final JsonNode manifest;
  final Map<String, List<TrainingSequence>> rows = new HashMap<>();

  PreparedOutput(Path root) throws IOException {
    this.root = root;
    this.manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    for (String split : List.of("train", "validation")) {
      List<TrainingSequence> all = new ArrayList<>();
      for (Path file : ParquetFiles.list(root.resolve("sequences/split=" + split))) {
        all.addAll(ParquetFiles.<TrainingSequence>readAll(file));
      }
      rows.put(split, all);
    }
  }

  List<RejectedDocument> rejected() throws IOException {
    List<RejectedDocument> all = new ArrayList<>();
    for (Path file : ParquetFiles.list(root.resolve("rejected"))) {
      all.addAll(ParquetFiles.<RejectedDocument>readAll(file));
    }
    return all;
  }

  int seqLen() {
    return manifest.path("settings").path("seq_len").asInt();
  }

  int padId() {
    return manifest.path("settings").path("pad_id").asInt();
  }

  /**
   * Every document's tokens, rebuilt from its pieces in doc_offset order, by split and id. Checks on the
   * way: each row has L tokens, padding only after the segments, pieces of a document contiguous with no
   * gap or overlap.
   */
  Map<String, Map<String, int[]>> documents() {
    Map<String, Map<String, int[]>> bySplit = new TreeMap<>();
    for (Map.Entry<String, List<TrainingSequence>> split : rows.entrySet()) {
      Map<String, TreeMap<Integer, int[]>> pieces = new HashMap<>();
      for (TrainingSequence row : split.getValue()) {
        assertEquals(seqLen(), row.getTokens().size(), "row length");
        int start = 0;
        for (int s = 0; s < row.getSegmentLengths().size(); s++) {
          int length = row.getSegmentLengths().get(s);
          int[] piece = row.getTokens().subList(start, start + length).stream().mapToInt(Integer::intValue).toArray();
          int[] previous = pieces.computeIfAbsent(row.getDocIds().get(s), k -> new TreeMap<>())
              .put(row.getDocOffsets().get(s), piece);
          assertEquals(null, previous, "a piece of " + row.getDocIds().get(s) + " appears twice");
          start += length;
        }
        for (int i = start; i < seqLen(); i++) {
          assertEquals(padId(), row.getTokens().get(i), "padding after the segments");
        }
      }
      Map<String, int[]> docs = new TreeMap<>();
      pieces.forEach((id, byOffset) -> {
        int expectedOffset = 0;
        for (Map.Entry<Integer, int[]> piece : byOffset.entrySet()) {
          assertEquals(expectedOffset, piece.getKey(), "pieces of " + id + " leave a gap");
          expectedOffset += piece.getValue().length;
        }
        docs.put(id, byOffset.values().stream().flatMapToInt(Arrays::stream).toArray());
      });
      bySplit.put(split.getKey(), docs);
    }
    return bySplit;
  }

  /** Rows as comparable strings, for multiset comparisons across runs and runners. */
  List<String> canonicalRows(String split) {
    List<String> canonical = new ArrayList<>();
    for (TrainingSequence row : rows.get(split)) {
      canonical.add(row.toString());
    }
    canonical.sort(null);
    return canonical;
  }

  void assertReconciles() {
    JsonNode documents = manifest.path("documents");
    long read = documents.path("read").asLong();
    assertTrue(read > 0);
    assertEquals(read, documents.path("packed").asLong() + documents.path("rejected").asLong(),
        "read = packed + rejected");
    long reasons = 0;
    for (JsonNode count : manifest.path("rejected_by_reason")) {
      reasons += count.asLong();
    }
    assertEquals(documents.path("rejected").asLong(), reasons);
  }
}

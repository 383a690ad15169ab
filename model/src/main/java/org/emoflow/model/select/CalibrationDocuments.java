package org.emoflow.model.select;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.packing.BestFitPacker;
import org.emoflow.model.data.packing.PackableDocument;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;

/**
 * The calibration set of a task: N documents of one domain from a split of a prepared dataset, re-packed
 * best-fit into rows of the dataset's L with no other domain's tokens in them. The N are those with the
 * smallest hash of (seed, document id), so the choice depends on neither file order nor packing, and a
 * different seed draws a different sample. One pass over the split; only the N chosen so far are held.
 */
public final class CalibrationDocuments {
  private CalibrationDocuments() {}

  /**
   * @param documents how many documents to keep; 0 keeps every document of the domain
   * @return rows ready for {@link ExpertSelector}; empty when the split has no document of the domain
   */
  public static List<PackedSequence> select(PreparedDataset data, String split, String domain, int documents,
      long seed) throws IOException {
    if (documents < 0) {
      throw new IllegalArgumentException("documents must be 0 (all) or positive, got " + documents);
    }
    Sample sample = new Sample(documents == 0 ? Integer.MAX_VALUE : documents, seed);
    for (Path file : data.files(split)) {
      try (var reader = ParquetFiles.<TrainingSequence>reader(file)) {
        for (TrainingSequence row = reader.read(); row != null; row = reader.read()) {
          sample.add(PreparedDataset.toPacked(row), domain);
        }
      }
    }
    List<PackedSequence> rows = new ArrayList<>();
    new BestFitPacker(data.seqLen(), data.padId()).pack(sample.documents(domain), rows::add);
    return rows;
  }

  /** Pieces of the documents whose keys are among the smallest seen so far. */
  private static final class Sample {
    private final int capacity;
    private final long seed;
    private final TreeMap<Key, List<Piece>> chosen = new TreeMap<>();

    Sample(int capacity, long seed) {
      this.capacity = capacity;
      this.seed = seed;
    }

    void add(PackedSequence row, String domain) {
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++) {
        int length = row.segmentLengths()[s];
        if (row.domains()[s].equals(domain)) {
          offer(new Key(hash(seed, row.docIds()[s]), row.docIds()[s]),
              new Piece(row.docOffsets()[s], Arrays.copyOfRange(row.tokens(), start, start + length)));
        }
        start += length;
      }
    }

    /**
     * A document once passed over never returns: the largest kept key only falls, so its later pieces are
     * passed over too, and a kept document collects all its pieces.
     */
    private void offer(Key key, Piece piece) {
      List<Piece> pieces = chosen.get(key);
      if (pieces != null) {
        pieces.add(piece);
        return;
      }
      if (chosen.size() == capacity) {
        if (key.compareTo(chosen.lastKey()) > 0) {
          return;
        }
        chosen.pollLastEntry();
      }
      chosen.put(key, new ArrayList<>(List.of(piece)));
    }

    /** Each document whole again (its pieces in offset order), in key order. */
    List<PackableDocument> documents(String domain) {
      List<PackableDocument> documents = new ArrayList<>();
      chosen.forEach((key, pieces) -> {
        pieces.sort(Comparator.comparingInt(Piece::offset));
        int[] tokens = pieces.stream().flatMapToInt(p -> Arrays.stream(p.tokens())).toArray();
        documents.add(new PackableDocument(key.docId(), domain, tokens));
      });
      return documents;
    }
  }

  private record Piece(int offset, int[] tokens) {}

  private record Key(long hash, String docId) implements Comparable<Key> {
    @Override
    public int compareTo(Key other) {
      int byHash = Long.compare(hash, other.hash);
      return byHash != 0 ? byHash : docId.compareTo(other.docId);
    }
  }

  /** First 8 bytes of SHA-256(seed, id): stable across JVMs and runners. */
  static long hash(long seed, String docId) {
    MessageDigest digest = Checksums.newSha256();
    digest.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
    digest.update(docId.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest.digest()).getLong();
  }
}

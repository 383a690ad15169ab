package org.emoflow.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;

/**
 * A directory written by {@code ./emoflow prepare}: manifest.json plus sequences/split=train|validation.
 * Opening one checks the layout, so a wrong directory is refused before any work.
 */
public final class PreparedDataset {
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";

  private final Path root;
  private final JsonNode manifest;

  private PreparedDataset(Path root, JsonNode manifest) {
    this.root = root;
    this.manifest = manifest;
  }

  public static PreparedDataset open(Path root) throws IOException {
    Path manifestFile = root.resolve("manifest.json");
    if (!Files.isDirectory(root)) {
      throw new InvalidDatasetException(root + " is not a directory");
    }
    if (!Files.isRegularFile(manifestFile)) {
      throw new InvalidDatasetException(
          root + " has no manifest.json: not a complete `./emoflow prepare` output");
    }
    JsonNode manifest = new ObjectMapper().readTree(manifestFile.toFile());
    for (String field : List.of("vocab_size", "eos_id", "pad_id", "seq_len", "tokenizer")) {
      if (manifest.path("settings").path(field).isMissingNode()) {
        throw new InvalidDatasetException(manifestFile + " lacks settings." + field);
      }
    }
    PreparedDataset dataset = new PreparedDataset(root, manifest);
    if (dataset.files(TRAIN).isEmpty()) {
      throw new InvalidDatasetException(root + " has no Parquet files under sequences/split=train");
    }
    return dataset;
  }

  public Path root() {
    return root;
  }

  public JsonNode manifest() {
    return manifest;
  }

  public int vocabSize() {
    return manifest.path("settings").path("vocab_size").asInt();
  }

  public int eosId() {
    return manifest.path("settings").path("eos_id").asInt();
  }

  /** The token that fills a row past its last segment. */
  public int padId() {
    return manifest.path("settings").path("pad_id").asInt();
  }

  public int seqLen() {
    return manifest.path("settings").path("seq_len").asInt();
  }

  public String tokenizer() {
    return manifest.path("settings").path("tokenizer").asText();
  }

  /** Domains with at least one packed document (records with unreadable labels count as "unknown"). */
  public List<String> domains() {
    return domainsWith("packed");
  }

  /** Domains with at least one held-out document. */
  public List<String> validationDomains() {
    return domainsWith("validation_documents");
  }

  /** Domains with at least one training document. */
  public List<String> trainDomains() {
    return domainsWith("train_documents");
  }

  private List<String> domainsWith(String count) {
    List<String> domains = new ArrayList<>();
    manifest.path("domains").fields().forEachRemaining(d -> {
      if (d.getValue().path(count).asLong() > 0) {
        domains.add(d.getKey());
      }
    });
    return domains;
  }

  /**
   * The tokenizer the data was prepared with: a tiktoken encoding by name, or the copy of the
   * tokenizer.json that prepare keeps beside the manifest.
   */
  public org.emoflow.model.tokenizer.TextTokenizer openTokenizer() {
    return org.emoflow.model.tokenizer.Tokenizers.load(tokenizerSpec());
  }

  /** What {@link org.emoflow.model.tokenizer.Tokenizers} loads the data's tokenizer from. */
  public String tokenizerSpec() {
    String backend = manifest.path("settings").path("tokenizer_backend").asText();
    return backend.equals("huggingface") ? root.resolve("tokenizer.json").toString() : tokenizer();
  }

  public List<Path> files(String split) throws IOException {
    return ParquetFiles.list(root.resolve("sequences").resolve("split=" + split));
  }

  /** Up to {@code limit} rows of a split in file order (validation sets are read whole, they are small). */
  public List<PackedSequence> read(String split, int limit) throws IOException {
    List<PackedSequence> rows = new ArrayList<>();
    for (Path file : files(split)) {
      try (var reader = ParquetFiles.<TrainingSequence>reader(file)) {
        for (TrainingSequence row = reader.read(); row != null && rows.size() < limit; row = reader.read()) {
          rows.add(toPacked(row));
        }
      }
      if (rows.size() >= limit) {
        break;
      }
    }
    return rows;
  }

  /**
   * One domain's documents from a split: the first {@code maxDocuments} of them in file order (all when 0
   * or less), their pieces re-laid out one per segment into rows of the same length ({@link SegmentPacker}).
   * Each piece keeps its positions, attention and pool, so with the intra-document mask its tokens score as
   * they did in their original row, without evaluating the other domains beside them.
   */
  public List<PackedSequence> domainRows(String split, String domain, int maxDocuments) throws IOException {
    List<SegmentPacker.Segment> pieces = new ArrayList<>();
    Set<String> documents = new HashSet<>();
    int limit = maxDocuments <= 0 ? Integer.MAX_VALUE : maxDocuments;
    reading:
    for (Path file : files(split)) {
      try (var reader = ParquetFiles.<TrainingSequence>reader(file)) {
        for (TrainingSequence record = reader.read(); record != null; record = reader.read()) {
          PackedSequence row = toPacked(record);
          int start = 0;
          for (int s = 0; s < row.segmentLengths().length; s++) {
            int length = row.segmentLengths()[s];
            if (row.domains()[s].equals(domain)) {
              String docId = row.docIds()[s];
              // Concat packing keeps a document's pieces adjacent, so the documents read before this are whole.
              if (!documents.contains(docId) && documents.size() == limit) {
                break reading;
              }
              documents.add(docId);
              pieces.add(new SegmentPacker.Segment(
                  Arrays.copyOfRange(row.tokens(), start, start + length), docId, row.docOffsets()[s], domain));
            }
            start += length;
          }
        }
      }
    }
    return SegmentPacker.pack(pieces, seqLen(), padId());
  }

  public static PackedSequence toPacked(TrainingSequence row) {
    return new PackedSequence(
        toInts(row.getTokens()),
        toInts(row.getSegmentLengths()),
        row.getDocIds().toArray(String[]::new),
        toInts(row.getDocOffsets()),
        row.getDomains().toArray(String[]::new));
  }

  private static int[] toInts(List<Integer> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}

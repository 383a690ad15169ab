package org.emoflow.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;

/**
 * A synthetic prepared dataset laid out as {@code ./emoflow prepare} writes it. Two domains with
 * deterministic patterns a tiny model learns in a few dozen steps: "count" documents step by +1 through
 * ids [2, 64), "stride" documents by +3 through [64, 128). Only a document's first token and its length
 * are random, so the achievable loss is far below the ln(128) of an untrained model.
 */
public final class TestDatasets {
  public static final int VOCAB = 128;
  public static final int EOS = 1;
  public static final String COUNT = "count";
  public static final String STRIDE = "stride";
  private static final int TRAIN_FILES = 2;
  /** Rows end in padding rather than start a piece shorter than this. */
  private static final int SHORTEST_PIECE = 3;

  private TestDatasets() {}

  public static PreparedDataset synthetic(Path root, int seqLen, int trainRows, int validationRows, long seed)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    List<PackedSequence> train = pack(random, seqLen, trainRows, "train");
    int perFile = (trainRows + TRAIN_FILES - 1) / TRAIN_FILES;
    for (int f = 0; f < TRAIN_FILES; f++) {
      writeRows(split(root, PreparedDataset.TRAIN).resolve(String.format("part-%05d.parquet", f)),
          train.subList(f * perFile, Math.min(trainRows, (f + 1) * perFile)));
    }
    writeRows(split(root, PreparedDataset.VALIDATION).resolve("part-00000.parquet"),
        pack(random, seqLen, validationRows, "validation"));
    writeManifest(root, seqLen);
    return PreparedDataset.open(root);
  }

  public static Path split(Path root, String split) {
    return root.resolve("sequences").resolve("split=" + split);
  }

  public static void writeRows(Path file, List<PackedSequence> rows) throws IOException {
    List<TrainingSequence> records = rows.stream().map(TestDatasets::toRecord).toList();
    ParquetFiles.write(file, TrainingSequence.getClassSchema(), records);
  }

  private static TrainingSequence toRecord(PackedSequence row) {
    return new TrainingSequence(boxed(row.tokens()), boxed(row.segmentLengths()), List.of(row.docIds()),
        boxed(row.docOffsets()), List.of(row.domains()));
  }

  private static List<Integer> boxed(int[] values) {
    return Arrays.stream(values).boxed().toList();
  }

  /** Concatenates random documents into rows, cutting a document across rows where it does not fit. */
  private static List<PackedSequence> pack(SplittableRandom random, int seqLen, int rows, String idPrefix) {
    List<PackedSequence> packed = new ArrayList<>();
    RowBuilder row = new RowBuilder(seqLen);
    for (int doc = 0; packed.size() < rows; doc++) {
      String domain = random.nextBoolean() ? COUNT : STRIDE;
      int[] tokens = document(random, domain);
      for (int offset = 0; offset < tokens.length && packed.size() < rows; ) {
        if (row.space() < SHORTEST_PIECE) {
          packed.add(row.build());
          row = new RowBuilder(seqLen);
          continue;
        }
        int take = Math.min(tokens.length - offset, row.space());
        row.add(Arrays.copyOfRange(tokens, offset, offset + take), idPrefix + "-" + doc, offset, domain);
        offset += take;
      }
    }
    return packed;
  }

  private static int[] document(SplittableRandom random, String domain) {
    int[] tokens = new int[random.nextInt(5, 13) + 1];
    boolean count = domain.equals(COUNT);
    int token = count ? random.nextInt(2, 64) : random.nextInt(64, 128);
    for (int i = 0; i < tokens.length - 1; i++) {
      tokens[i] = token;
      token = count ? 2 + (token - 2 + 1) % 62 : 64 + (token - 64 + 3) % 64;
    }
    tokens[tokens.length - 1] = EOS;
    return tokens;
  }

  private static void writeManifest(Path root, int seqLen) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode manifest = json.createObjectNode();
    ObjectNode settings = manifest.putObject("settings");
    settings.put("vocab_size", VOCAB).put("eos_id", EOS).put("pad_id", TestBatches.PAD).put("seq_len", seqLen)
        .put("tokenizer", "synthetic");
    ObjectNode domains = manifest.putObject("domains");
    for (String domain : new String[] {COUNT, STRIDE}) {
      domains.putObject(domain).put("packed", 1).put("validation_documents", 1);
    }
    Files.createDirectories(root);
    json.writeValue(root.resolve("manifest.json").toFile(), manifest);
  }

  /** One row being filled segment by segment. */
  private static final class RowBuilder {
    private final int[] tokens;
    private final List<Integer> lengths = new ArrayList<>();
    private final List<String> docIds = new ArrayList<>();
    private final List<Integer> offsets = new ArrayList<>();
    private final List<String> domains = new ArrayList<>();
    private int used;

    RowBuilder(int seqLen) {
      tokens = new int[seqLen];
    }

    int space() {
      return tokens.length - used;
    }

    void add(int[] piece, String docId, int offset, String domain) {
      System.arraycopy(piece, 0, tokens, used, piece.length);
      used += piece.length;
      lengths.add(piece.length);
      docIds.add(docId);
      offsets.add(offset);
      domains.add(domain);
    }

    PackedSequence build() {
      return new PackedSequence(tokens, lengths.stream().mapToInt(Integer::intValue).toArray(),
          docIds.toArray(String[]::new), offsets.stream().mapToInt(Integer::intValue).toArray(),
          domains.toArray(String[]::new));
    }
  }
}

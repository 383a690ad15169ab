package org.emoflow.transforms.sweep;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.SegmentPacker;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.schemas.TrainingSequence;

/**
 * What a sweep cell needs on disk, as small as it gets: a prepared dataset (r50k_base tokens, domains x and
 * y, rows of 16 tokens) and an untrained tiny EMO checkpoint (8 experts, top-2) beside it.
 */
final class TinySweepCheckpoint {
  static final int SEQ_LEN = 16;
  static final int EOS = 50_256;
  static final String X = "x";
  static final String Y = "y";

  private TinySweepCheckpoint() {}

  static SweepCheckpoint write(Path root) throws IOException {
    Path data = root.resolve("data");
    SplittableRandom random = new SplittableRandom(17);
    writeRows(data, PreparedDataset.TRAIN, random, Map.of(X, 4, Y, 3));
    writeRows(data, PreparedDataset.VALIDATION, random, Map.of(X, 2, Y, 2));
    ObjectMapper json = new ObjectMapper();
    ObjectNode manifest = json.createObjectNode();
    manifest.putObject("settings").put("vocab_size", EOS + 1).put("eos_id", EOS).put("pad_id", EOS)
        .put("seq_len", SEQ_LEN).put("tokenizer", "r50k_base").put("tokenizer_backend", "jtokkit");
    ObjectNode domains = manifest.putObject("domains");
    domains.putObject(X).put("packed", 6).put("train_documents", 4).put("validation_documents", 2);
    domains.putObject(Y).put("packed", 5).put("train_documents", 3).put("validation_documents", 2);
    json.writeValue(data.resolve("manifest.json").toFile(), manifest);

    Path directory = root.resolve("checkpoint");
    ModelConfig config = ModelConfig.preset("tiny", EOS + 1, SEQ_LEN, RouterKind.EMO);
    try (NDManager manager = Compute.newManager(); LanguageModel model = new LanguageModel(config, manager, 3)) {
      Files.createDirectories(directory);
      Checkpoints.writeModel(directory, model, Map.of());
      Checkpoints.writeChecksums(directory);
    }
    return new SweepCheckpoint("tiny", directory.toAbsolutePath().toString(), ModelCheckpoint.fingerprint(directory),
        "emo", 0, config.experts(), config.topK(), data.toAbsolutePath().toString());
  }

  /** Documents of 3 to 11 random tokens and EOS, domains interleaved, packed whole into rows. */
  private static void writeRows(Path data, String split, SplittableRandom random, Map<String, Integer> documents)
      throws IOException {
    List<SegmentPacker.Segment> segments = new ArrayList<>();
    for (String domain : List.of(X, Y)) {
      for (int d = 0; d < documents.get(domain); d++) {
        int[] tokens = random.ints(random.nextInt(3, 12), 10, 5_000).toArray();
        tokens = Arrays.copyOf(tokens, tokens.length + 1);
        tokens[tokens.length - 1] = EOS;
        segments.add(new SegmentPacker.Segment(tokens, split + "-" + domain + "-" + d, 0, domain));
      }
    }
    List<TrainingSequence> records = new ArrayList<>();
    for (PackedSequence row : SegmentPacker.pack(segments, SEQ_LEN, EOS)) {
      records.add(new TrainingSequence(boxed(row.tokens()), boxed(row.segmentLengths()), List.of(row.docIds()),
          boxed(row.docOffsets()), List.of(row.domains())));
    }
    ParquetFiles.write(data.resolve("sequences/split=" + split + "/part-00000.parquet"),
        TrainingSequence.getClassSchema(), records);
  }

  private static List<Integer> boxed(int[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}

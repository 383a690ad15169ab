package org.emoflow.pipelines.sweep;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.train.TrainerState;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.TrainingData;
import org.emoflow.transforms.sweep.SweepCheckpoint;

/**
 * A sweep config's checkpoints, found as every command finds one ({@link CheckpointArgument}), opened as a
 * worker will open them (checksums or shard headers, every tensor's shape), each with the prepared dataset its
 * tasks read: the config's {@code data}, else the one it was trained on ({@link TrainingData}).
 */
final class SweepCheckpoints {
  /** The full model's K for a dense checkpoint: its single feed-forward. */
  private static final int DENSE_EXPERTS = 1;

  private final SweepConfigFile config;
  private final String dataOverride;
  private final List<SweepCheckpoint> checkpoints = new ArrayList<>();
  private final Map<String, Map<String, String>> checksums = new LinkedHashMap<>();
  private final Map<String, ModelConfig> models = new LinkedHashMap<>();
  private final Map<String, PreparedDataset> datasets = new LinkedHashMap<>();

  private SweepCheckpoints(SweepConfigFile config, String dataOverride) {
    this.config = config;
    this.dataOverride = dataOverride;
  }

  /** @param data the config's {@code data} (null: each checkpoint's training data) */
  static SweepCheckpoints check(SweepConfigFile config, List<String> entries, String data) throws IOException {
    if (entries == null || entries.isEmpty()) {
      throw config.refuse("checkpoints", "required: checkpoint directories, or training outputs (RUN/variants/NAME)");
    }
    SweepCheckpoints checked = new SweepCheckpoints(config, data);
    Set<Path> seen = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      if (entry == null || entry.isBlank()) {
        throw config.refuse("checkpoints[" + i + "]", "an empty entry");
      }
      String key = "checkpoints[" + i + "] '" + entry + "'";
      if (checked.checksums.containsKey(entry)) {
        throw config.refuse(key, "listed twice");
      }
      Path dir = checked.locate(key, Path.of(entry));
      if (!seen.add(dir)) {
        throw config.refuse(key, "is the same checkpoint as an earlier entry (" + dir + ")");
      }
      checked.checkpoints.add(checked.open(key, entry, dir));
    }
    return checked;
  }

  List<SweepCheckpoint> all() {
    return List.copyOf(checkpoints);
  }

  ModelConfig model(SweepCheckpoint checkpoint) {
    return models.get(checkpoint.name());
  }

  PreparedDataset data(SweepCheckpoint checkpoint) {
    return datasets.get(checkpoint.dataDir());
  }

  /** Each file's recorded checksum (emoflow layout), or the fingerprint of a Hugging Face directory. */
  Map<String, String> checksums(SweepCheckpoint checkpoint) {
    return checksums.get(checkpoint.name());
  }

  private Path locate(String key, Path given) throws IOException {
    try {
      CheckpointArgument.Located located = CheckpointArgument.locate(given);
      if (located.warning() != null) {
        config.warn(key + ": " + located.warning());
      }
      return located.directory();
    } catch (CheckpointArgument.NotACheckpointException e) {
      throw config.refuse(key, e.getMessage());
    }
  }

  private SweepCheckpoint open(String key, String name, Path dir) throws IOException {
    ModelConfig model;
    TrainerState state = null;
    String fingerprint;
    try (NDManager manager = Compute.newManager(); ModelCheckpoint checkpoint = ModelCheckpoint.open(dir, manager)) {
      model = checkpoint.config();
      fingerprint = checkpoint.fingerprint();
      if (Files.isRegularFile(dir.resolve(Checkpoints.TRAINER))) {
        state = TrainerState.read(dir);
      }
      checksums.put(name, checkpoint.layout() == ModelCheckpoint.Layout.EMOFLOW ? recordedChecksums(dir)
          : Map.of("fingerprint", fingerprint));
    } catch (IOException | RuntimeException e) {
      throw config.refuse(key, "not a usable checkpoint: " + e.getMessage());
    }
    models.put(name, model);
    String data = dataDirectory(key, dir, state);
    long step = state != null ? state.step() : stepOf(dir);
    int experts = model.router().isMoe() ? model.experts() : DENSE_EXPERTS;
    return new SweepCheckpoint(name, dir.toString(), fingerprint, model.router().id(), step, experts, model.topK(), data);
  }

  private static long stepOf(Path dir) {
    try {
      return Checkpoints.stepOf(dir);
    } catch (IllegalArgumentException notAStepDirectory) {
      return 0;
    }
  }

  private String dataDirectory(String key, Path dir, TrainerState state) throws IOException {
    Path data;
    if (dataOverride != null) {
      data = Path.of(dataOverride).toAbsolutePath().normalize();
    } else {
      try {
        data = TrainingData.of(dir).directory();
      } catch (TrainingData.NotFoundException e) {
        throw config.refuse(key, e.getMessage() + "; name the prepared data with 'data'");
      }
    }
    if (!datasets.containsKey(data.toString())) {
      try {
        datasets.put(data.toString(), PreparedDataset.open(data));
      } catch (InvalidDatasetException e) {
        throw config.refuse(dataOverride != null ? "data" : key, e.getMessage());
      }
    }
    String changed = TrainingData.changedSince(dir, data, state);
    if (changed != null) {
      config.warn(key + ": " + changed);
    }
    return data.toString();
  }

  private static Map<String, String> recordedChecksums(Path dir) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve(Checkpoints.CHECKSUMS), StandardCharsets.UTF_8)) {
      String[] parts = line.split("  ", 2);
      files.put(parts[1], parts[0]);
    }
    return files;
  }
}

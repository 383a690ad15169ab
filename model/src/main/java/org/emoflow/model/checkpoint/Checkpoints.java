package org.emoflow.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;

/**
 * A checkpoint is a directory {@code step-NNNNNNNN/} holding {@code model.safetensors}, {@code
 * config.json}, {@code optimizer.safetensors} ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}), {@code
 * trainer.json} and {@code checksums.sha256} (sha256sum format, so {@code sha256sum -c} checks it too).
 * It is built in a temporary directory and renamed into place, so one that exists is complete; its
 * checksums are verified before anything in it is loaded.
 */
public final class Checkpoints {
  public static final String MODEL = "model.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String CONFIG = "config.json";
  public static final String TRAINER = "trainer.json";
  public static final String CHECKSUMS = "checksums.sha256";
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

  private final Path directory;

  public Checkpoints(Path directory) {
    this.directory = directory;
  }

  public Path directory() {
    return directory;
  }

  public static String nameFor(long step) {
    return String.format("step-%08d", step);
  }

  /**
   * Writes a complete checkpoint for this step: the model, then what {@code training} adds beside it (the
   * optimizer's and trainer's state), then checksums of it all; keeps only the newest {@code keep}.
   */
  public Path save(long step, LanguageModel model, AtomicFiles.Writer training, int keep) throws IOException {
    Path target = directory.resolve(nameFor(step));
    Files.createDirectories(directory);
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      writeModel(temporary, model, Map.of("step", Long.toString(step)));
      training.write(temporary);
      writeChecksums(temporary);
    });
    prune(keep);
    return target;
  }

  /** model.safetensors + config.json + checksums: a self-contained model directory (also used by exports). */
  public static void writeModel(Path dir, LanguageModel model, Map<String, String> metadata) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("format", "pt");
    writeArrays(dir.resolve(MODEL), meta, model.parameters().all().stream()
        .collect(LinkedHashMap::new, (map, p) -> map.put(p.name(), p.array()), Map::putAll));
    Files.writeString(dir.resolve(CONFIG), model.config().toJson(), StandardCharsets.UTF_8);
  }

  /** Float32 tensors written straight from the engine's memory, one at a time. */
  public static void writeArrays(Path file, Map<String, String> metadata, Map<String, NDArray> arrays)
      throws IOException {
    List<Safetensors.Entry> entries = new ArrayList<>();
    arrays.forEach((name, array) -> entries.add(
        new Safetensors.Entry(name, Safetensors.DType.F32, array.getShape().getShape())));
    Safetensors.write(file, metadata, entries,
        (entry, channel) -> Safetensors.writeArray(arrays.get(entry.name()), Safetensors.DType.F32, channel));
  }

  public static void writeChecksums(Path dir) throws IOException {
    StringBuilder lines = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        if (!file.getFileName().toString().equals(CHECKSUMS)) {
          lines.append(Checksums.sha256(file)).append("  ").append(file.getFileName()).append('\n');
        }
      }
    }
    Files.writeString(dir.resolve(CHECKSUMS), lines.toString(), StandardCharsets.UTF_8);
  }

  /** Throws {@link CorruptCheckpointException} naming the file when anything is missing or altered. */
  public static void verify(Path dir) throws IOException {
    Path sums = dir.resolve(CHECKSUMS);
    if (!Files.isRegularFile(sums)) {
      throw new CorruptCheckpointException(dir + ": no " + CHECKSUMS + " (incomplete checkpoint)");
    }
    List<String> lines = Files.readAllLines(sums, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new CorruptCheckpointException(sums + " is empty");
    }
    for (String line : lines) {
      String[] parts = line.split("  ", 2);
      if (parts.length != 2) {
        throw new CorruptCheckpointException(sums + ": malformed line '" + line + "'");
      }
      Path file = dir.resolve(parts[1]);
      if (!Files.isRegularFile(file)) {
        throw new CorruptCheckpointException(file + " is missing");
      }
      String actual = Checksums.sha256(file);
      if (!actual.equals(parts[0])) {
        throw new CorruptCheckpointException(
            file + " fails its checksum (expected " + parts[0] + ", found " + actual + "): corrupt or truncated");
      }
    }
  }

  /** Checkpoint directories, oldest first. */
  public List<Path> list() throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(directory)) {
      return dirs.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
          .sorted()
          .toList();
    }
  }

  /** The newest checkpoint that verifies; each corrupt newer one is reported by name and passed over. */
  public Optional<Path> latestValid(Consumer<String> warnings) throws IOException {
    List<Path> all = new ArrayList<>(list());
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        verify(all.get(i));
        return Optional.of(all.get(i));
      } catch (CorruptCheckpointException e) {
        warnings.accept("skipping corrupt checkpoint: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  private void prune(int keep) throws IOException {
    List<Path> all = list();
    for (int i = 0; i < all.size() - keep; i++) {
      AtomicFiles.deleteRecursively(all.get(i));
    }
  }

  public static long stepOf(Path checkpoint) {
    Matcher m = STEP_DIR.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(checkpoint + " is not a checkpoint directory (step-NNNNNNNN)");
    }
    return Long.parseLong(m.group(1));
  }

  public static ModelConfig readConfig(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new CorruptCheckpointException(dir + " has no " + CONFIG);
    }
    return ModelConfig.fromJson(Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Verifies, then builds the model its config.json describes from its weights; takes a Hugging Face
   * directory as well (see {@link ModelCheckpoint}).
   */
  public static LanguageModel loadModel(Path dir, NDManager manager) throws IOException {
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(dir, manager)) {
      return checkpoint.load(manager);
    }
  }

  /** Replaces the values of existing parameters (a resumed training's) with the file's. */
  public static void loadWeights(Path file, Parameters parameters, String prefix) throws IOException {
    try (Safetensors.Reader reader = Safetensors.open(file)) {
      for (Parameters.Parameter p : parameters.all()) {
        replace(reader, prefix + p.name(), p.array());
      }
      if (reader.names().size() != parameters.all().size()) {
        throw new CorruptCheckpointException(
            file + " holds " + reader.names().size() + " tensors, the model has " + parameters.all().size());
      }
    }
  }

  /**
   * The array takes over the storage of a tensor read from the file: the Java object (which the model and
   * optimizer hold) stays, its values and nothing else change. No Java direct buffer is involved.
   */
  public static void replace(Safetensors.Reader reader, String name, NDArray into) throws IOException {
    long[] shape = reader.shape(name);
    if (!Arrays.equals(shape, into.getShape().getShape())) {
      throw new CorruptCheckpointException("tensor " + name + " has shape " + new Shape(shape)
          + ", the model expects " + into.getShape());
    }
    boolean trainable = into.hasGradient();
    NDArray loaded = reader.tensor(name, into.getManager());
    into.intern(loaded);
    if (trainable) {
      into.setRequiresGradient(true);
    }
  }
}

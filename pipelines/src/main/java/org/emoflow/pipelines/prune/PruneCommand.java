package org.emoflow.pipelines.prune;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.CalibrationDocuments;
import org.emoflow.model.select.CalibrationFingerprint;
import org.emoflow.model.select.Composition;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.select.StreamingSelector;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.TrainingData;

/**
 * {@code ./emoflow prune}: selects K experts per layer for one task on its calibration documents and
 * writes a smaller, self-contained checkpoint with only those (spec section 6); several tasks compose
 * ({@link Composition}, spec section 7). Every option is checked against the checkpoint and the data before
 * the model is loaded.
 */
public final class PruneCommand implements Command<PruneCommand.Options> {
  private static final java.util.regex.Pattern WEIGHTS =
      java.util.regex.Pattern.compile("model(-\\d+-of-\\d+)?\\.safetensors");

  public interface Options extends PipelineOptions {
    @Description("A checkpoint directory (step-NNNNNNNN or a pruned export), a Hugging Face EmoForCausalLM "
        + "directory (config.json + safetensors, sharded or not), or a training output such as RUN/variants/NAME "
        + "(its final checkpoint, as its training.json names it).")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("The task: a domain of the prepared dataset. Calibration documents come from its train split."
        + " Several, comma-separated, compose: each selects K experts and the checkpoint keeps their union,"
        + " every layer padded to the widest by the tasks' normalised rankings.")
    @Validation.Required
    String getTask();

    void setTask(String value);

    @Description("Experts kept per layer, the shared one included (K); K - 1 must be at least the model's top_k.")
    @Validation.Required
    Integer getKeep();

    void setKeep(Integer value);

    @Description("How the experts are chosen: layerwise (the paper's default), global, frequency, output or random.")
    @Default.String("layerwise")
    String getMethod();

    void setMethod(String value);

    @Description("Directory for the pruned checkpoint; must not exist yet.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("The prepared dataset the task comes from (default: the one the checkpoint was trained on, "
        + "as its trainer.json records it, or RUN/prepared beside RUN/variants).")
    String getData();

    void setData(String value);

    @Description("Calibration documents drawn from the task's train split (0: all of them).")
    @Default.Integer(16)
    int getCalibrationDocs();

    void setCalibrationDocs(int value);

    @Description("Seed of the calibration sample, and of the choice itself with --method=random.")
    @Default.Long(0)
    long getSeed();

    void setSeed(long value);

    @Description("Calibration rows per forward pass.")
    @Default.Integer(8)
    int getCalibrationBatch();

    void setCalibrationBatch(int value);

    @Description("libtorch intra-op threads (0: one per core).")
    @Default.Integer(0)
    int getThreads();

    void setThreads(int value);
  }

  @Override
  public String name() {
    return "prune";
  }

  @Override
  public String summary() {
    return "Keep K experts per layer for one task and write the smaller, self-contained checkpoint.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    method(options);
    tasks(options);
    if (options.getKeep() < 1) {
      throw InvalidOptionException.of("keep", "must be at least 1, got " + options.getKeep());
    }
    if (options.getCalibrationDocs() < 0) {
      throw InvalidOptionException.of("calibrationDocs", "must be 0 (all) or positive");
    }
    if (options.getCalibrationBatch() < 1) {
      throw InvalidOptionException.of("calibrationBatch", "must be positive");
    }
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
  }

  private static List<String> tasks(Options options) {
    List<String> tasks = Arrays.stream(options.getTask().split(",")).map(String::trim).toList();
    if (tasks.stream().anyMatch(String::isEmpty) || tasks.stream().distinct().count() != tasks.size()) {
      throw InvalidOptionException.of("task", "expected distinct domain names separated by commas, got '"
          + options.getTask() + "'");
    }
    return tasks;
  }

  private static SelectionMethod method(Options options) {
    try {
      return SelectionMethod.parse(options.getMethod());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("method", e.getMessage());
    }
  }

  @Override
  public int run(Options options) throws IOException {
    PrintStream log = System.err;
    Path checkpoint = CheckpointArgument.resolve("checkpoint", Path.of(options.getCheckpoint()));
    ModelConfig config = ModelCheckpoint.readConfig(checkpoint);
    if (!config.router().isMoe()) {
      throw InvalidOptionException.of("checkpoint", checkpoint + " is a dense model: it has no experts to prune");
    }
    try {
      ExpertSelector.keptRouted(config, options.getKeep());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("keep", e.getMessage());
    }
    Path output = Path.of(options.getOutput());
    if (Files.exists(output)) {
      throw InvalidOptionException.of("output", output + " already exists: an export is never overwritten");
    }
    PreparedDataset data = data(options, checkpoint, config);
    List<String> tasks = tasks(options);
    List<List<PackedSequence>> calibrations = new ArrayList<>();
    for (String task : tasks) {
      List<PackedSequence> calibration = calibration(task, options, data);
      if (CalibrationFingerprint.of(calibration).scoredTokens() == 0) {
        throw InvalidOptionException.of("task", "the calibration documents of '" + task
            + "' hold no scored tokens (every one is a single token)");
      }
      calibrations.add(calibration);
    }
    log.printf("prune: %s (%s, %d experts per layer, top-%d)%n", checkpoint, config.router().id(), config.experts(),
        config.topK());
    for (int i = 0; i < tasks.size(); i++) {
      List<PackedSequence> calibration = calibrations.get(i);
      CalibrationFingerprint fingerprint = CalibrationFingerprint.of(calibration);
      long documents = calibration.stream().flatMap(row -> Arrays.stream(row.docIds())).distinct().count();
      log.printf("prune: task %s: %,d calibration documents in %,d rows, %,d scored tokens (sha256 %s)%n",
          tasks.get(i), documents, fingerprint.rows(), fingerprint.scoredTokens(), fingerprint.sha256().substring(0, 12));
    }
    SelectionMethod method = method(options);

    Compute.useThreads(options.getThreads());
    long started = System.nanoTime();
    Selection selection;
    try (NDManager manager = Compute.newManager(); ModelCheckpoint source = ModelCheckpoint.open(checkpoint, manager)) {
      Composition composition = null;
      if (tasks.size() > 1) {
        composition = compose(source, calibrations, method, options, manager, log);
        selection = composition.composed();
      } else if (method == SelectionMethod.RANDOM) {
        // The random control depends on the shape only: no weight is read to choose.
        selection = ExpertSelector.random(config, options.getKeep(), options.getSeed());
      } else {
        // Layer by layer: only one layer's weights are ever in memory, never every expert.
        selection = StreamingSelector.select(source, calibrations.get(0), options.getCalibrationBatch(), method,
            options.getKeep(), options.getSeed(), manager);
      }
      if (composition != null) {
        PrunedExport.write(source, composition, tasks, output, manager);
      } else {
        PrunedExport.write(source, selection, output, manager);
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    for (int layer = 0; layer < config.layers(); layer++) {
      log.printf("prune: layer %d keeps routed experts %s%n", layer, Arrays.toString(selection.kept(layer)));
    }
    long paramsBefore = config.parameterCount();
    long paramsAfter = config.withExperts(selection.keptExperts()).parameterCount();
    long bytesBefore = weightBytes(checkpoint);
    long bytesAfter = weightBytes(output);
    log.printf("prune: parameters %,d -> %,d (%.1f%%)%n", paramsBefore, paramsAfter, 100.0 * paramsAfter / paramsBefore);
    log.printf("prune: weights %,d -> %,d bytes (%.1f%%)%n", bytesBefore, bytesAfter, 100.0 * bytesAfter / bytesBefore);
    log.printf("prune: %s, K = %d of %d, selected and written in %.1f s; wrote %s%n", method.id(), selection.keptExperts(),
        config.experts(), seconds, output);
    return ExitCodes.OK;
  }

  /** Bytes of the directory's weights: model.safetensors, or every model-N-of-M.safetensors shard. */
  private static long weightBytes(Path directory) throws IOException {
    try (var files = Files.list(directory)) {
      long total = 0;
      for (Path file : files.filter(f -> WEIGHTS.matcher(f.getFileName().toString()).matches()).toList()) {
        total += Files.size(file);
      }
      return total;
    }
  }

  /**
   * --data, else the dataset the checkpoint was trained on ({@link TrainingData}); refused when it does not
   * fit the checkpoint's model.
   */
  private static PreparedDataset data(Options options, Path checkpoint, ModelConfig config) throws IOException {
    Path root = options.getData() != null ? Path.of(options.getData()) : TrainingData.forDataOption(checkpoint, "prune");
    PreparedDataset data;
    try {
      data = PreparedDataset.open(root);
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    if (data.vocabSize() > config.vocabSize() || data.seqLen() > config.seqLen()) {
      throw InvalidOptionException.of("data", root + " (vocabulary " + data.vocabSize() + ", L = " + data.seqLen()
          + ") does not fit the checkpoint's model (vocabulary " + config.vocabSize() + ", L = " + config.seqLen() + ")");
    }
    return data;
  }

  /** Each task's own selection at K, then their union padded to the widest layer; the random control reads no weights. */
  private static Composition compose(ModelCheckpoint source, List<List<PackedSequence>> calibrations,
      SelectionMethod method, Options options, NDManager manager, PrintStream log) throws IOException {
    ModelConfig config = source.config();
    List<String> tasks = tasks(options);
    Composition composition;
    if (method == SelectionMethod.RANDOM) {
      List<ExpertSelector> none = Collections.nCopies(tasks.size(), null);
      composition = Composition.of(config, none, method, options.getKeep(), options.getSeed());
    } else {
      try (LanguageModel model = source.load(manager)) {
        List<ExpertSelector> selectors = calibrations.stream()
            .map(rows -> new ExpertSelector(model, rows, options.getCalibrationBatch())).toList();
        composition = Composition.of(config, selectors, method, options.getKeep(), options.getSeed());
      }
    }
    for (int layer = 0; layer < config.layers(); layer++) {
      log.printf("prune: layer %d: the union of %s keeps %d routed experts %s%n", layer, tasks,
          composition.union()[layer].length, Arrays.toString(composition.union()[layer]));
    }
    log.printf("prune: composed K = %d (each task K = %d), every layer padded to the widest%n",
        composition.composedExperts(), options.getKeep());
    return composition;
  }

  private static List<PackedSequence> calibration(String task, Options options, PreparedDataset data)
      throws IOException {
    if (!data.domains().contains(task)) {
      throw InvalidOptionException.of("task", "unknown domain '" + task + "' in " + data.root() + " (domains: "
          + String.join(", ", data.domains()) + ")");
    }
    List<PackedSequence> rows = CalibrationDocuments.select(data, PreparedDataset.TRAIN, task,
        options.getCalibrationDocs(), options.getSeed());
    if (rows.isEmpty()) {
      throw InvalidOptionException.of("task", "domain '" + task + "' has no documents in the train split of "
          + data.root() + ": nothing to calibrate on");
    }
    return rows;
  }
}

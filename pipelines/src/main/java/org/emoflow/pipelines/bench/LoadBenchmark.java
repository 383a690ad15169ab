package org.emoflow.pipelines.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.HuggingFaceFormat;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.checkpoint.TensorFiles;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.select.StreamingSelector;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.EntryPoint;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * {@code ./emoflow bench-load}: peak resident memory of evaluating one restriction of a checkpoint, (a) on the
 * whole model with the restriction applied (what the sweep's workers do) and (b) on a model loaded with only
 * the kept experts ({@link ModelCheckpoint#loadRestricted}). Each runs in a JVM of its own, which reports its
 * VmHWM from /proc; the two outputs are checked to agree. {@code --synthesize} first writes a random
 * Hugging Face checkpoint of about {@code --synthetic-gb} gigabytes. {@code --prune} adds calibrated pruning
 * to the same K (what {@code ./emoflow prune} does, on synthetic calibration rows): choosing on the whole
 * loaded model ({@link ExpertSelector}) against choosing layer by layer ({@link StreamingSelector}), the two
 * pruned checkpoints checked to be the same bytes.
 */
public final class LoadBenchmark implements Command<LoadBenchmark.Options> {
  private static final String RESULT = "bench-load-result:";
  private static final List<String> MODES = List.of("baseline", "full", "restricted", "prune-whole", "prune-streaming");
  /** Calibration rows per forward pass and documents, as {@code ./emoflow prune} has them by default. */
  private static final int CALIBRATION_BATCH = 8;
  private static final int CALIBRATION_DOCUMENTS = 16;

  public interface Options extends PipelineOptions {
    @Description("The checkpoint (either layout) to load.")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("Experts kept per layer in the restricted load, the shared one included (0: E/8).")
    @Default.Integer(0)
    int getRestrictTo();

    void setRestrictTo(int value);

    @Description("Write a random Hugging Face checkpoint at --checkpoint first (if it does not exist yet).")
    @Default.Boolean(false)
    boolean getSynthesize();

    void setSynthesize(boolean value);

    @Description("Size of the synthetic checkpoint in gigabytes (float32; 64 experts per layer, d = 1024).")
    @Default.Double(2.5)
    double getSyntheticGb();

    void setSyntheticGb(double value);

    @Description("Also measure calibrated pruning to the same K: whole model loaded vs layer by layer.")
    @Default.Boolean(false)
    boolean getPrune();

    void setPrune(boolean value);

    @Description("The selection method that --prune measures: layerwise, global, frequency or output.")
    @Default.String("layerwise")
    String getPruneMethod();

    void setPruneMethod(String value);

    @Description("Internal: baseline (open only), full, restricted, prune-whole or prune-streaming runs one "
        + "measurement in this JVM.")
    String getMeasure();

    void setMeasure(String value);
  }

  @Override
  public String name() {
    return "bench-load";
  }

  @Override
  public String summary() {
    return "Benchmark: peak memory of a restricted evaluation, whole model vs only the kept experts loaded.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (options.getRestrictTo() < 0) {
      throw InvalidOptionException.of("restrictTo", "must be 0 (E/8) or positive");
    }
    if (options.getMeasure() != null && !MODES.contains(options.getMeasure())) {
      throw InvalidOptionException.of("measure", "expected one of " + String.join(", ", MODES));
    }
    SelectionMethod method;
    try {
      method = SelectionMethod.parse(options.getPruneMethod());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("pruneMethod", e.getMessage());
    }
    if (method == SelectionMethod.RANDOM) {
      throw InvalidOptionException.of("pruneMethod", "random reads no weights to choose: nothing to measure");
    }
    if (options.getSyntheticGb() <= 0) {
      throw InvalidOptionException.of("syntheticGb", "must be positive");
    }
  }

  @Override
  public int run(Options options) throws Exception {
    Path checkpoint = Path.of(options.getCheckpoint());
    SelectionMethod method = SelectionMethod.parse(options.getPruneMethod());
    if (options.getMeasure() != null) {
      if (options.getMeasure().startsWith("prune-")) {
        measurePrune(checkpoint, options.getRestrictTo(), options.getMeasure(), method);
      } else {
        measure(checkpoint, options.getRestrictTo(), options.getMeasure());
      }
      return ExitCodes.OK;
    }
    PrintStream out = System.out;
    if (options.getSynthesize() && !Files.exists(checkpoint)) {
      long started = System.nanoTime();
      ModelConfig config = synthesize(checkpoint, options.getSyntheticGb());
      out.printf("synthesized %s in %.1f s: %s%n", checkpoint, (System.nanoTime() - started) / 1e9, describe(config));
    }
    ModelConfig config = ModelCheckpoint.readConfig(checkpoint);
    int keep = options.getRestrictTo() > 0 ? options.getRestrictTo() : Math.max(config.experts() / 8, config.topK() + 1);
    out.printf("checkpoint %s: %s; restricted to K = %d of %d%n", checkpoint, describe(config), keep, config.experts());
    Measurement baseline = child(checkpoint, keep, "baseline", method);
    Measurement full = child(checkpoint, keep, "full", method);
    Measurement lean = child(checkpoint, keep, "restricted", method);
    if (!full.logProbabilities().equals(lean.logProbabilities())) {
      // Both evaluate the same restriction; the sums are printed to 4 decimals.
      throw new IllegalStateException("the two loads disagree: " + full.logProbabilities() + " vs " + lean.logProbabilities());
    }
    long fullBytes = config.parameterCount() * Float.BYTES;
    long leanBytes = config.withExperts(keep).parameterCount() * Float.BYTES;
    out.printf("%-44s %14s %14s %10s%n", "", "weights (MB)", "peak RSS (MB)", "load (s)");
    out.printf("%-44s %14s %,14.0f %10s%n", "baseline: JVM, libtorch, checkpoint opened", "-",
        baseline.peakRssKb() / 1e3, "-");
    out.printf("%-44s %,14.0f %,14.0f %10.1f%n", "whole model, restriction applied", fullBytes / 1e6,
        full.peakRssKb() / 1e3, full.loadSeconds());
    out.printf("%-44s %,14.0f %,14.0f %10.1f%n", "only the kept experts loaded (loadRestricted)", leanBytes / 1e6,
        lean.peakRssKb() / 1e3, lean.loadSeconds());
    out.printf("peak RSS ratio restricted / full: %.3f, above the baseline %.3f (weights ratio %.3f); same scored "
        + "log-probabilities (sum %s)%n", (double) lean.peakRssKb() / full.peakRssKb(),
        (double) (lean.peakRssKb() - baseline.peakRssKb()) / (full.peakRssKb() - baseline.peakRssKb()),
        (double) leanBytes / fullBytes, full.logProbabilities());
    if (options.getPrune()) {
      reportPrune(out, checkpoint, config, keep, method, baseline);
    }
    return ExitCodes.OK;
  }

  private static void reportPrune(PrintStream out, Path checkpoint, ModelConfig config, int keep,
      SelectionMethod method, Measurement baseline) throws IOException, InterruptedException {
    Measurement whole = child(checkpoint, keep, "prune-whole", method);
    Measurement streamed = child(checkpoint, keep, "prune-streaming", method);
    if (!whole.logProbabilities().equals(streamed.logProbabilities())) {
      throw new IllegalStateException("the two prunes wrote different checkpoints (sha256 of their checksums "
          + whole.logProbabilities() + " vs " + streamed.logProbabilities() + ")");
    }
    long layerBytes = (config.parameterCount() - 2L * config.vocabSize() * config.dModel() - config.dModel())
        / config.layers() * Float.BYTES;
    out.printf("calibrated prune to K = %d, %s, %d documents in rows of %d (batches of %d):%n", keep, method.id(),
        CALIBRATION_DOCUMENTS, config.seqLen(), CALIBRATION_BATCH);
    out.printf("%-44s %14s %14s %10s%n", "", "weights (MB)", "peak RSS (MB)", "prune (s)");
    out.printf("%-44s %,14.0f %,14.0f %10.1f%n", "whole model loaded (ExpertSelector)",
        config.parameterCount() * Float.BYTES / 1e6, whole.peakRssKb() / 1e3, whole.loadSeconds());
    out.printf("%-44s %,14.0f %,14.0f %10.1f%n", "layer by layer (StreamingSelector)", layerBytes / 1e6,
        streamed.peakRssKb() / 1e3, streamed.loadSeconds());
    out.printf("peak RSS ratio layer by layer / whole: %.3f, above the baseline %.3f; the same pruned checkpoint "
        + "(sha256 of its checksums %s)%n", (double) streamed.peakRssKb() / whole.peakRssKb(),
        (double) (streamed.peakRssKb() - baseline.peakRssKb()) / (whole.peakRssKb() - baseline.peakRssKb()),
        whole.logProbabilities().substring(0, 12));
  }

  private static String describe(ModelConfig config) {
    return String.format("d=%d, %d layers, E=%d (top-%d), expert hidden %d, vocabulary %d, %,d parameters",
        config.dModel(), config.layers(), config.experts(), config.topK(), config.expertHidden(), config.vocabSize(),
        config.parameterCount());
  }

  /** @param logProbabilities their sum, or for a prune the sha256 of the pruned checkpoint's checksums.sha256 */
  private record Measurement(long peakRssKb, double loadSeconds, String logProbabilities) {}

  private static Measurement child(Path checkpoint, int keep, String mode, SelectionMethod method)
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
        EntryPoint.MAIN_CLASS, "bench-load", "--checkpoint=" + checkpoint, "--restrict-to=" + keep, "--measure=" + mode,
        "--prune-method=" + method.id()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = process.waitFor();
    String line = output.lines().filter(l -> l.startsWith(RESULT)).findFirst().orElse(null);
    if (status != 0 || line == null) {
      throw new IllegalStateException("the " + mode + " measurement failed (exit " + status + "):\n" + output);
    }
    String[] fields = line.substring(RESULT.length()).trim().split(" ");
    return new Measurement(Long.parseLong(fields[0]), Double.parseDouble(fields[1]), fields[2]);
  }

  /** In this JVM: open, then (unless measuring the baseline) load and evaluate one batch; print VmHWM. */
  private static void measure(Path checkpoint, int keep, String mode) throws IOException {
    try (NDManager manager = Compute.newManager(); ModelCheckpoint source = ModelCheckpoint.open(checkpoint, manager)) {
      if (mode.equals("baseline")) {
        System.out.printf("%s %d 0 -%n", RESULT, peakRssKb());
        return;
      }
      ModelConfig config = source.config();
      int[][] kept = new int[config.layers()][];
      ExpertRestriction restriction = ExpertSelector.random(config, keep, 7).restriction();
      for (int layer = 0; layer < kept.length; layer++) {
        kept[layer] = restriction.kept(layer);
      }
      boolean restrictedLoad = mode.equals("restricted");
      long started = System.nanoTime();
      try (LanguageModel model = restrictedLoad ? source.loadRestricted(manager, kept) : source.load(manager)) {
        double seconds = (System.nanoTime() - started) / 1e9;
        float[] scores = Evaluator.targetLogProbabilities(model, batch(config), restrictedLoad ? null : restriction);
        double sum = 0;
        for (float score : scores) {
          sum += score;
        }
        System.out.printf("%s %d %.2f %.4f%n", RESULT, peakRssKb(), seconds, sum);
      }
    }
  }

  /**
   * In this JVM: choose K experts on synthetic calibration rows, on the whole loaded model or layer by layer,
   * and write the pruned checkpoint (into a temporary directory, removed after); print VmHWM, the seconds of
   * choosing and writing, and the sha256 of the export's checksums (which cover every file of it).
   */
  private static void measurePrune(Path checkpoint, int keep, String mode, SelectionMethod method)
      throws IOException {
    Path work = Files.createTempDirectory("bench-load-prune");
    try (NDManager manager = Compute.newManager(); ModelCheckpoint source = ModelCheckpoint.open(checkpoint, manager)) {
      List<PackedSequence> calibration = calibration(source.config());
      long started = System.nanoTime();
      Selection selection;
      if (mode.equals("prune-whole")) {
        try (LanguageModel model = source.load(manager)) {
          selection = new ExpertSelector(model, calibration, CALIBRATION_BATCH).select(method, keep, 0);
        }
      } else {
        selection = StreamingSelector.select(source, calibration, CALIBRATION_BATCH, method, keep, 0, manager);
      }
      Path pruned = work.resolve("pruned");
      PrunedExport.write(source, selection, pruned, manager);
      double seconds = (System.nanoTime() - started) / 1e9;
      String digest = Checksums.sha256(pruned.resolve(Checkpoints.CHECKSUMS));
      System.out.printf("%s %d %.2f %s%n", RESULT, peakRssKb(), seconds, digest);
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  /** {@link #CALIBRATION_DOCUMENTS} documents of L/2 tokens, two to a row, ids from a seeded generator. */
  private static List<PackedSequence> calibration(ModelConfig config) {
    SplittableRandom random = new SplittableRandom(7);
    int half = config.seqLen() / 2;
    List<PackedSequence> rows = new ArrayList<>();
    for (int row = 0; row < CALIBRATION_DOCUMENTS / 2; row++) {
      int[] tokens = random.ints(2L * half, 1, config.vocabSize()).toArray();
      rows.add(new PackedSequence(tokens, new int[] {half, half}, new String[] {"doc" + 2 * row, "doc" + (2 * row + 1)},
          new int[2], new String[] {"task", "task"}));
    }
    return rows;
  }

  /** Two documents of 64 tokens each, ids spread over the vocabulary. */
  private static PackedBatch batch(ModelConfig config) {
    int length = Math.min(128, config.seqLen());
    int[] tokens = IntStream.range(0, length).map(i -> 1 + (i * 7919) % (config.vocabSize() - 1)).toArray();
    PackedSequence row = new PackedSequence(tokens, new int[] {length / 2, length - length / 2},
        new String[] {"a", "b"}, new int[2], new String[] {"x", "x"});
    return new PackedBatch(List.of(row));
  }

  private static long peakRssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/self/status (Linux only)");
  }

  /**
   * A random Hugging Face EmoForCausalLM checkpoint of about the given size: d = 1024, 64 experts per layer
   * (63 routed + the shared one) of hidden 512, as many layers as the size allows, 1 GB shards, small
   * uniform weights from a fixed seed.
   */
  static ModelConfig synthesize(Path directory, double gigabytes) throws IOException {
    int d = 1024;
    int layers = 1;
    ModelConfig config;
    while (true) {
      config = ModelConfig.builder().vocabSize(8192).dModel(d).layers(layers).heads(8).experts(64).topK(4)
          .expertHidden(512).seqLen(256).router(RouterKind.EMO).pool(5, 63).evalPool(0).lbWeight(0.1)
          .zLossWeight(1e-3).ropeTheta(500_000).intraDocumentMask(true).normEps(1e-6).initStd(0.02).build();
      if (config.parameterCount() * 4.0 >= gigabytes * 1e9) {
        break;
      }
      layers++;
    }
    ModelConfig shape = config;
    Files.createDirectories(directory);
    Map<String, ai.djl.ndarray.types.Shape> parameters;
    try (NDManager manager = Compute.newManager()) {
      parameters = LanguageModel.parameterShapes(shape, manager);
    }
    List<Safetensors.Entry> entries = new ArrayList<>();
    parameters.forEach((name, dims) -> {
      long[] hfShape = dims.getShape();
      if (name.endsWith("moe.router.weight")) {
        hfShape[0] += 1;
      }
      entries.add(new Safetensors.Entry(HuggingFaceFormat.hfName(name, shape.experts()), Safetensors.DType.F32, hfShape));
    });
    SplittableRandom random = new SplittableRandom(20260514);
    Safetensors.Contents contents = (entry, channel) -> {
      boolean norm = entry.shape().length == 1;
      ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0, n = entry.bytes() / 4; i < n; i++) {
        chunk.putFloat(norm ? 1f : (float) ((random.nextDouble() - 0.5) * 0.04));
        if (!chunk.hasRemaining() || i == n - 1) {
          Safetensors.writeFully(channel, chunk.flip());
          chunk.clear();
        }
      }
    };
    Map<String, String> weightMap = new java.util.LinkedHashMap<>();
    List<List<Safetensors.Entry>> shards = new ArrayList<>();
    List<Safetensors.Entry> current = new ArrayList<>();
    long bytes = 0;
    for (Safetensors.Entry entry : entries) {
      if (!current.isEmpty() && bytes + entry.bytes() > 1_000_000_000L) {
        shards.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(entry);
      bytes += entry.bytes();
    }
    shards.add(current);
    for (int i = 0; i < shards.size(); i++) {
      String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      Safetensors.write(directory.resolve(file), Map.of("format", "pt"), shards.get(i), contents);
      shards.get(i).forEach(entry -> weightMap.put(entry.name(), file));
    }
    var index = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    index.putObject("metadata").put("total_size", entries.stream().mapToLong(Safetensors.Entry::bytes).sum());
    var map = index.putObject("weight_map");
    weightMap.forEach(map::put);
    Files.writeString(directory.resolve(TensorFiles.INDEX), index.toPrettyString());
    Files.writeString(directory.resolve(HuggingFaceFormat.CONFIG),
        HuggingFaceFormat.config(shape, Safetensors.DType.F32, false, null, null).toPrettyString());
    return config;
  }
}

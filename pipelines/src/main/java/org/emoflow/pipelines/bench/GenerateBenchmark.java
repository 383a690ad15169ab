package org.emoflow.pipelines.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.generate.CachedDecoder;
import org.emoflow.model.generate.Decoder;
import org.emoflow.model.generate.Generation;
import org.emoflow.model.generate.Generator;
import org.emoflow.model.generate.RecomputingDecoder;
import org.emoflow.model.generate.Sampling;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.TrainingData;
import org.emoflow.pipelines.generate.Weights;

/**
 * {@code ./emoflow bench-generate}: generation speed with the KV cache against recomputing every sequence
 * each step (the baseline, measured in the same run), and what an expert subset costs to hold: the full
 * model restricted to K experts per layer (all weights resident) against the pruned export of the same
 * selection (K resident), with the tokens of both compared.
 */
public final class GenerateBenchmark implements Command<GenerateBenchmark.Options> {

  public interface Options extends PipelineOptions {
    @Description("The MoE checkpoint to generate with (a checkpoint directory or a training output).")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("The prepared dataset whose validation documents give the prompts (default: the one the "
        + "checkpoint was trained on).")
    String getData();

    void setData(String value);

    @Description("Experts kept per layer by the restricted and pruned models, the shared one included "
        + "(default: a quarter of them, at least top_k + 1); chosen at random with --seed.")
    Integer getKeep();

    void setKeep(Integer value);

    @Description("Seed of the random choice of experts.")
    @Default.Long(0)
    long getSeed();

    void setSeed(long value);

    @Description("Prompts: the first tokens of this many validation documents.")
    @Default.Integer(8)
    int getPromptCount();

    void setPromptCount(int value);

    @Description("Tokens per prompt.")
    @Default.Integer(32)
    int getPromptTokens();

    void setPromptTokens(int value);

    @Description("Tokens generated per prompt (greedy; EOS does not stop it, so every variant writes as many).")
    @Default.Integer(64)
    int getMaxNewTokens();

    void setMaxNewTokens(int value);

    @Description("Prompts decoded together.")
    @Default.Integer(16)
    int getBatchSize();

    void setBatchSize(int value);

    @Description("Timed runs per variant after one warm-up run; the fastest counts.")
    @Default.Integer(3)
    int getRepeats();

    void setRepeats(int value);

    @Description("libtorch intra-op threads (0: one per core).")
    @Default.Integer(0)
    int getThreads();

    void setThreads(int value);

    @Description("Where the pruned export is written while measured (deleted after). Default: the system's "
        + "temporary directory.")
    String getWorkDir();

    void setWorkDir(String value);
  }

  @Override
  public String name() {
    return "bench-generate";
  }

  @Override
  public String summary() {
    return "Benchmark generation: tokens/s with KV cache vs recompute; restricted vs pruned weights resident.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    positive("promptCount", options.getPromptCount());
    positive("promptTokens", options.getPromptTokens());
    positive("maxNewTokens", options.getMaxNewTokens());
    positive("batchSize", options.getBatchSize());
    positive("repeats", options.getRepeats());
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
  }

  private static void positive(String option, int value) {
    if (value < 1) {
      throw InvalidOptionException.of(option, "must be positive, got " + value);
    }
  }

  /** One variant's fastest run and what it wrote. */
  private record Measured(String model, String decoding, double seconds, long tokens, long weightBytes,
      List<List<Integer>> written) {
    double tokensPerSecond() {
      return tokens / seconds;
    }
  }

  @Override
  public int run(Options options) throws Exception {
    run(options, System.out, System.err);
    return ExitCodes.OK;
  }

  public static void run(Options options, PrintStream out, PrintStream log) throws Exception {
    Path checkpoint = CheckpointArgument.resolve("checkpoint", Path.of(options.getCheckpoint()));
    ModelConfig config = ModelCheckpoint.readConfig(checkpoint);
    if (!config.router().isMoe()) {
      throw InvalidOptionException.of("checkpoint", checkpoint + " is a dense model: it has no experts to keep");
    }
    int keep = options.getKeep() != null ? options.getKeep() : Math.max(config.topK() + 1, config.experts() / 4);
    try {
      ExpertSelector.keptRouted(config, keep);
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("keep", e.getMessage());
    }
    if (options.getPromptTokens() + options.getMaxNewTokens() > config.seqLen()) {
      throw InvalidOptionException.of("maxNewTokens", "with --prompt-tokens=" + options.getPromptTokens()
          + " exceeds the model's seq_len " + config.seqLen());
    }
    List<int[]> prompts = prompts(options, data(options, checkpoint));
    Compute.useThreads(options.getThreads());
    Selection selection = ExpertSelector.random(config, keep, options.getSeed());
    try (WorkDirectory work = WorkDirectory.create(options.getWorkDir(), "emoflow-bench-generate-")) {
      Path export = work.resolve("pruned");
      PrunedExport.write(checkpoint, selection, export);
      try (NDManager manager = Compute.newManager();
          LanguageModel full = Checkpoints.loadModel(checkpoint, manager);
          LanguageModel pruned = Checkpoints.loadModel(export, manager)) {
        ExpertRestriction restriction = selection.restriction();
        String restricted = "restricted, K=" + keep + " of " + config.experts();
        List<Measured> results = new ArrayList<>();
        log.println("bench-generate: full model, KV cache");
        results.add(measure("full", "KV cache", full, null, CachedDecoder::new, prompts, options));
        log.println("bench-generate: full model, recomputing every step");
        results.add(measure("full", "recompute", full, null, RecomputingDecoder::new, prompts, options));
        log.println("bench-generate: " + restricted + ", KV cache");
        results.add(measure(restricted, "KV cache", full, restriction, CachedDecoder::new, prompts, options));
        log.println("bench-generate: pruned export, KV cache");
        results.add(measure("pruned export, K=" + keep, "KV cache", pruned, null, CachedDecoder::new, prompts,
            options));
        report(options, checkpoint, config, prompts.size(), results, out);
      }
    }
  }

  private static PreparedDataset data(Options options, Path checkpoint) throws IOException {
    Path root = options.getData() != null ? Path.of(options.getData())
        : TrainingData.forDataOption(checkpoint, "bench-generate");
    try {
      return PreparedDataset.open(root);
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
  }

  /** The first --prompt-tokens tokens of the first --prompt-count validation documents that have as many. */
  private static List<int[]> prompts(Options options, PreparedDataset data) throws IOException {
    int length = options.getPromptTokens();
    List<int[]> prompts = new ArrayList<>();
    Set<String> documents = new HashSet<>();
    for (PackedSequence row : data.read(PreparedDataset.VALIDATION, Integer.MAX_VALUE)) {
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length && prompts.size() < options.getPromptCount(); s++) {
        if (row.docOffsets()[s] == 0 && row.segmentLengths()[s] >= length && documents.add(row.docIds()[s])) {
          prompts.add(java.util.Arrays.copyOfRange(row.tokens(), start, start + length));
        }
        start += row.segmentLengths()[s];
      }
    }
    if (prompts.size() < options.getPromptCount()) {
      throw InvalidOptionException.of("promptCount", data.root() + " has " + prompts.size()
          + " validation documents that start a row with at least " + length + " tokens");
    }
    return prompts;
  }

  private static Measured measure(String model, String decoding, LanguageModel language, ExpertRestriction restriction,
      DecoderFactory decoders, List<int[]> prompts, Options options) {
    int seqLen = language.config().seqLen();
    Generator.Settings settings = new Generator.Settings(options.getMaxNewTokens(), Sampling.GREEDY, -1,
        language.config().vocabSize(), null);
    double best = Double.MAX_VALUE;
    List<List<Integer>> written = null;
    for (int run = 0; run <= options.getRepeats(); run++) {
      List<List<Integer>> tokens = new ArrayList<>();
      long started = System.nanoTime();
      for (int first = 0; first < prompts.size(); first += options.getBatchSize()) {
        List<int[]> batch = prompts.subList(first, Math.min(prompts.size(), first + options.getBatchSize()));
        try (Decoder decoder = decoders.open(language, restriction, batch)) {
          for (Generation generation : Generator.run(decoder, batch, first, settings, seqLen)) {
            tokens.add(java.util.Arrays.stream(generation.tokens()).boxed().toList());
          }
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (run > 0) {
        best = Math.min(best, seconds);
      }
      written = tokens;
    }
    long generated = written.stream().mapToLong(List::size).sum();
    return new Measured(model, decoding, best, generated, Weights.residentBytes(language), written);
  }

  /** Opens a decoder over a batch of prompts. */
  private interface DecoderFactory {
    Decoder open(LanguageModel model, ExpertRestriction restriction, List<int[]> prompts);
  }

  private static void report(Options options, Path checkpoint, ModelConfig config, int prompts,
      List<Measured> results, PrintStream out) {
    out.printf("%n== generation (%s)%n", Compute.describe());
    out.printf("checkpoint %s (%s, E=%d, top-%d, d=%d, %d layers, vocab %,d)%n", checkpoint, config.router().id(),
        config.experts(), config.topK(), config.dModel(), config.layers(), config.vocabSize());
    out.printf("%d prompts of %d tokens, %d new tokens each (greedy, EOS ignored), batches of %d; fastest of %d runs"
        + " after a warm-up%n", prompts, options.getPromptTokens(), options.getMaxNewTokens(), options.getBatchSize(),
        options.getRepeats());
    out.printf("%-26s %-10s %10s %10s %18s%n", "model", "decoding", "seconds", "tokens/s", "weights resident");
    for (Measured m : results) {
      out.printf("%-26s %-10s %10.2f %,10.1f %,12d bytes%n", m.model(), m.decoding(), m.seconds(),
          m.tokensPerSecond(), m.weightBytes());
    }
    Measured cached = results.get(0);
    Measured recompute = results.get(1);
    Measured restricted = results.get(2);
    Measured pruned = results.get(3);
    out.printf("KV cache / recompute, tokens/s (full model): %.2fx%n",
        cached.tokensPerSecond() / recompute.tokensPerSecond());
    out.printf("pruned / restricted: weights resident %.3fx, tokens/s %.2fx%n",
        (double) pruned.weightBytes() / restricted.weightBytes(),
        pruned.tokensPerSecond() / restricted.tokensPerSecond());
    out.printf("same tokens: KV cache = recompute: %s; pruned = restricted: %s%n",
        cached.written().equals(recompute.written()) ? "yes" : "NO",
        pruned.written().equals(restricted.written()) ? "yes" : "NO");
  }
}

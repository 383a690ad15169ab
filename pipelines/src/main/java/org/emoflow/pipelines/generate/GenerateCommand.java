package org.emoflow.pipelines.generate;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.generate.Generation;
import org.emoflow.model.generate.Generator;
import org.emoflow.model.generate.Sampling;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.PruningMetadata;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.TrainingData;

/**
 * {@code ./emoflow generate}: continues each prompt of a JSONL file with a checkpoint, full, restricted to
 * an expert subset (a sweep cell's or a file's) or pruned, and writes one JSONL line per prompt. Decoding
 * keeps every layer's keys and values (a KV cache), so each new token costs one position's forward pass.
 * Prints tokens per second and the bytes of weights the model holds.
 */
public final class GenerateCommand implements Command<GenerateCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("A checkpoint directory (step-NNNNNNNN or a pruned export), or a training output such as "
        + "RUN/variants/NAME (its final checkpoint).")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("Prompts, JSONL: one {\"prompt\": \"...\", \"id\": ...} per line (id optional). Each prompt is "
        + "one document, continued from its last token.")
    @Validation.Required
    String getPrompts();

    void setPrompts(String value);

    @Description("Output JSONL, one line per prompt: id, line, prompt, text, token_ids, stop_reason "
        + "(eos, stop or length), new_tokens.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("Replace an existing --output file.")
    @Default.Boolean(false)
    boolean getOverwrite();

    void setOverwrite(boolean value);

    @Description("Restrict the model to the routed experts in this JSON file: {\"kept_routed_experts\": "
        + "[[ids of layer 0], [ids of layer 1], ...]} (a pruned checkpoint's pruning.json works as is).")
    String getKept();

    void setKept(String value);

    @Description("Restrict the model to the experts a sweep cell kept: its cell_id, read from the "
        + "kept_experts table under --results (with --run-id when the cell is in several runs).")
    String getKeepFrom();

    void setKeepFrom(String value);

    @Description("The sweep results directory --keep-from reads.")
    String getResults();

    void setResults(String value);

    @Description("The sweep run --keep-from reads (default: the only run that holds the cell).")
    String getRunId();

    void setRunId(String value);

    @Description("Tokens generated at most per prompt; a prompt also stops at EOS, at --stop, or when the "
        + "model's seq_len is full.")
    @Default.Integer(64)
    int getMaxNewTokens();

    void setMaxNewTokens(int value);

    @Description("0: greedy (the most likely token); above 0: sample from softmax(logits / temperature).")
    @Default.Double(0)
    double getTemperature();

    void setTemperature(double value);

    @Description("Sample from the nucleus: the fewest most likely tokens whose probability reaches top_p "
        + "(1: all). Only with --temperature above 0.")
    @Default.Double(1.0)
    double getTopP();

    void setTopP(double value);

    @Description("Seed of sampling; each prompt draws from its own generator, keyed by the seed and the "
        + "prompt's position in the file, whatever the batch.")
    @Default.Long(0)
    long getSeed();

    void setSeed(long value);

    @Description("Stop a prompt once its generated text holds this string (kept in the output).")
    String getStop();

    void setStop(String value);

    @Description("Prompts decoded together.")
    @Default.Integer(16)
    int getBatchSize();

    void setBatchSize(int value);

    @Description("The prepared dataset whose tokenizer and EOS to use (default: the one the checkpoint, or "
        + "the source of a pruned checkpoint, was trained on).")
    String getData();

    void setData(String value);

    @Description("libtorch intra-op threads (0: one per core).")
    @Default.Integer(0)
    int getThreads();

    void setThreads(int value);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String name() {
    return "generate";
  }

  @Override
  public String summary() {
    return "Continue prompts with a full, restricted or pruned checkpoint (KV cache; greedy or sampled).";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (options.getMaxNewTokens() < 1) {
      throw InvalidOptionException.of("maxNewTokens", "must be positive, got " + options.getMaxNewTokens());
    }
    sampling(options);
    if (options.getTopP() < 1 && options.getTemperature() == 0) {
      throw InvalidOptionException.of("topP", "samples, so it needs --temperature above 0 (0 is greedy)");
    }
    if (options.getBatchSize() < 1) {
      throw InvalidOptionException.of("batchSize", "must be positive, got " + options.getBatchSize());
    }
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
    if (options.getKept() != null && options.getKeepFrom() != null) {
      throw InvalidOptionException.of("keepFrom", "and --kept both choose the experts: give one");
    }
    if (options.getKeepFrom() != null && options.getResults() == null) {
      throw InvalidOptionException.of("results", "required with --keep-from: the sweep results directory");
    }
    if (options.getKeepFrom() == null && (options.getResults() != null || options.getRunId() != null)) {
      throw InvalidOptionException.of(options.getResults() != null ? "results" : "runId", "only goes with --keep-from");
    }
    if (options.getStop() != null && options.getStop().isEmpty()) {
      throw InvalidOptionException.of("stop", "must not be empty");
    }
  }

  private static Sampling sampling(Options options) {
    try {
      return new Sampling(options.getTemperature(), options.getTopP(), options.getSeed());
    } catch (IllegalArgumentException e) {
      boolean temperature = e.getMessage().startsWith("temperature");
      throw InvalidOptionException.of(temperature ? "temperature" : "topP", e.getMessage());
    }
  }

  @Override
  public int run(Options options) throws IOException {
    PrintStream log = System.err;
    Path checkpoint = CheckpointArgument.resolve("checkpoint", Path.of(options.getCheckpoint()));
    ModelConfig config = ModelCheckpoint.readConfig(checkpoint);
    ExpertRestriction restriction = null;
    String restrictedBy = null;
    if (options.getKept() != null || options.getKeepFrom() != null) {
      ExpertSubsets.Subset subset = options.getKept() != null
          ? ExpertSubsets.fromJson(Path.of(options.getKept()))
          : ExpertSubsets.fromSweep(Path.of(options.getResults()), options.getKeepFrom(), options.getRunId());
      restriction = ExpertSubsets.restriction(subset, config, options.getKept() != null ? "kept" : "keepFrom");
      restrictedBy = subset.description();
    }
    Path output = Path.of(options.getOutput());
    if (Files.exists(output) && !options.getOverwrite()) {
      throw InvalidOptionException.of("output", output + " exists (--overwrite replaces it)");
    }
    PreparedDataset data = data(options, checkpoint, config);
    Sampling sampling = sampling(options);
    Compute.useThreads(options.getThreads());
    try (TextTokenizer tokenizer = data.openTokenizer()) {
      List<Prompts.Prompt> prompts = Prompts.read(Path.of(options.getPrompts()), tokenizer, config.seqLen());
      String stop = options.getStop();
      Generator.Settings settings = new Generator.Settings(options.getMaxNewTokens(), sampling, data.eosId(),
          data.vocabSize(), stop == null ? null : generated -> tokenizer.decode(generated).contains(stop));
      log.printf("generate: %s (%s, %d experts per layer, top-%d)%s%n", checkpoint, config.router().id(),
          config.experts(), config.topK(), restrictedBy == null ? "" : "; restricted to the experts of " + restrictedBy);
      log.printf("generate: %,d prompts (%,d tokens), batches of up to %d, %s%n", prompts.size(),
          prompts.stream().mapToLong(p -> p.tokens().length).sum(), options.getBatchSize(),
          sampling.greedy() ? "greedy" : "temperature " + sampling.temperature() + ", top-p " + sampling.topP()
              + ", seed " + sampling.seed());
      try (NDManager manager = Compute.newManager(); LanguageModel model = Checkpoints.loadModel(checkpoint, manager)) {
        Run run = generate(model, restriction, prompts, settings, options.getBatchSize(), tokenizer, output);
        log.printf("generate: %,d tokens in %.2f s: %.1f tokens/s (prompt passes included); stopped by %s%n",
            run.tokens(), run.seconds(), run.tokens() / run.seconds(), run.reasons().entrySet().stream()
                .map(reason -> reason.getKey().id() + " " + reason.getValue())
                .collect(java.util.stream.Collectors.joining(", ")));
        log.println("generate: weights resident: " + residentWeights(model, checkpoint, restriction));
      }
    }
    log.println("generate: wrote " + output);
    return ExitCodes.OK;
  }

  /** --data, else what the checkpoint (or a pruned checkpoint's source) was trained on. */
  private static PreparedDataset data(Options options, Path checkpoint, ModelConfig config) throws IOException {
    Path root;
    if (options.getData() != null) {
      root = Path.of(options.getData());
    } else if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.TRAINER))
        && Files.isRegularFile(checkpoint.resolve(PrunedExport.METADATA))) {
      Path source = Path.of(PrunedExport.readMetadata(checkpoint).sourceCheckpoint());
      if (!Files.isDirectory(source)) {
        throw InvalidOptionException.of("data", "required: " + checkpoint + " was pruned from " + source
            + ", which is gone");
      }
      root = TrainingData.forDataOption(source, "generate");
    } else {
      root = TrainingData.forDataOption(checkpoint, "generate");
    }
    PreparedDataset data;
    try {
      data = PreparedDataset.open(root);
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    if (data.vocabSize() > config.vocabSize()) {
      throw InvalidOptionException.of("data", root + " has a vocabulary of " + data.vocabSize()
          + ", the checkpoint's model " + config.vocabSize());
    }
    return data;
  }

  /** @param reasons prompts per stop reason */
  private record Run(long tokens, double seconds, Map<Generation.StopReason, Integer> reasons) {}

  private static Run generate(LanguageModel model, ExpertRestriction restriction, List<Prompts.Prompt> prompts,
      Generator.Settings settings, int batchSize, TextTokenizer tokenizer, Path output) throws IOException {
    long[] tokens = new long[1];
    Map<Generation.StopReason, Integer> reasons = new EnumMap<>(Generation.StopReason.class);
    long started = System.nanoTime();
    AtomicFiles.write(output, temporary -> {
      try (BufferedWriter out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
        for (int first = 0; first < prompts.size(); first += batchSize) {
          List<Prompts.Prompt> batch = prompts.subList(first, Math.min(prompts.size(), first + batchSize));
          List<Generation> generated = Generator.generate(model, restriction,
              batch.stream().map(Prompts.Prompt::tokens).toList(), first, settings);
          for (int i = 0; i < batch.size(); i++) {
            Generation generation = generated.get(i);
            Prompts.Prompt prompt = batch.get(i);
            ObjectNode line = JSON.createObjectNode();
            line.set("id", prompt.id());
            line.put("line", prompt.line());
            line.put("prompt", prompt.text());
            line.put("text", tokenizer.decode(generation.tokens()));
            java.util.Arrays.stream(generation.tokens()).forEach(line.putArray("token_ids")::add);
            line.put("stop_reason", generation.stopReason().id());
            line.put("new_tokens", generation.tokens().length);
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            tokens[0] += generation.tokens().length;
            reasons.merge(generation.stopReason(), 1, Integer::sum);
          }
        }
      }
    });
    return new Run(tokens[0], (System.nanoTime() - started) / 1e9, reasons);
  }

  /** Full, restricted (all experts held, some used) or pruned: the bytes held, and what the kept ones need. */
  static String residentWeights(LanguageModel model, Path checkpoint, ExpertRestriction restriction)
      throws IOException {
    ModelConfig config = model.config();
    String held = String.format("%,d bytes of float32 weights", Weights.residentBytes(model));
    if (!config.router().isMoe()) {
      return held + " (dense)";
    }
    if (restriction != null) {
      IntSummaryStatistics used = java.util.stream.IntStream.range(0, config.layers())
          .map(layer -> restriction.kept(layer).length + 1).summaryStatistics();
      String count = used.getMin() == used.getMax() ? Integer.toString(used.getMin())
          : used.getMin() + " to " + used.getMax();
      return held + String.format(" (all %d experts per layer, %s used; a pruned export of them would hold %,d)",
          config.experts(), count, Weights.keptBytes(config, restriction));
    }
    if (Files.isRegularFile(checkpoint.resolve(PrunedExport.METADATA))) {
      PruningMetadata pruning = PrunedExport.readMetadata(checkpoint);
      return held + String.format(" (pruned: %d of %d experts per layer)", config.experts(), pruning.sourceExperts());
    }
    return held + String.format(" (all %d experts per layer)", config.experts());
  }
}

package org.emoflow.pipelines.export;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.HuggingFaceExport;
import org.emoflow.model.checkpoint.HuggingFaceFormat;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.train.TrainerState;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * {@code ./emoflow export-hf}: a checkpoint (full or pruned, or a Hugging Face directory to re-shard or
 * convert) as a Hugging Face EmoForCausalLM directory that the reference modeling code, HF and vLLM load
 * with trust_remote_code. See docs/huggingface.md for the layout.
 */
public final class ExportHfCommand implements Command<ExportHfCommand.Options> {
  private static final Pattern WEIGHTS = Pattern.compile("model(-\\d+-of-\\d+)?\\.safetensors");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?I?B?)?", Pattern.CASE_INSENSITIVE);

  public interface Options extends PipelineOptions {
    @Description("The checkpoint: a step-NNNNNNNN directory, a pruned export, a training output "
        + "(RUN/variants/NAME) or a Hugging Face EmoForCausalLM directory.")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("Directory to write; must not exist yet.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("Weights' element type: float32 (exact) or bfloat16 (rounded to nearest even, half the size).")
    @Default.String("float32")
    String getDtype();

    void setDtype(String value);

    @Description("Largest shard: bytes, or with a unit (KB, MB, GB: powers of 1000; KiB, MiB, GiB: of 1024). "
        + "Everything in one model.safetensors when it fits.")
    @Default.String("5GB")
    String getMaxShardSize();

    void setMaxShardSize(String value);

    @Description("The prepared dataset whose tokenizer goes along (default: the one the checkpoint was trained "
        + "on, as its trainer.json, or its source's for a pruned export, records it).")
    String getData();

    void setData(String value);
  }

  @Override
  public String name() {
    return "export-hf";
  }

  @Override
  public String summary() {
    return "Write a checkpoint as a Hugging Face EmoForCausalLM directory (sharded safetensors, config.json).";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    dtype(options);
    maxShardBytes(options);
  }

  private static Safetensors.DType dtype(Options options) {
    Safetensors.DType dtype;
    try {
      dtype = Safetensors.DType.parse(options.getDtype());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("dtype", "expected float32 or bfloat16, got '" + options.getDtype() + "'");
    }
    if (dtype == Safetensors.DType.F16) {
      throw InvalidOptionException.of("dtype", "float16 is read but not written; use float32 or bfloat16");
    }
    return dtype;
  }

  static long maxShardBytes(Options options) {
    Matcher m = SIZE.matcher(options.getMaxShardSize().trim());
    if (!m.matches()) {
      throw InvalidOptionException.of("maxShardSize", "expected a size such as 5GB, 500MiB or 1000000, got '"
          + options.getMaxShardSize() + "'");
    }
    String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
    long base = unit.contains("I") ? 1024 : 1000;
    int power = unit.isEmpty() || unit.equals("B") ? 0 : "KMGT".indexOf(unit.charAt(0)) + 1;
    long bytes = Long.parseLong(m.group(1));
    for (int i = 0; i < power; i++) {
      bytes *= base;
    }
    if (bytes < 1) {
      throw InvalidOptionException.of("maxShardSize", "must be positive");
    }
    return bytes;
  }

  @Override
  public int run(Options options) throws IOException {
    PrintStream log = System.err;
    Path checkpoint = CheckpointArgument.resolve("checkpoint", Path.of(options.getCheckpoint()));
    Path output = Path.of(options.getOutput());
    if (Files.exists(output)) {
      throw InvalidOptionException.of("output", output + " already exists: an export is never overwritten");
    }
    HuggingFaceExport.Tokenizer tokenizer = tokenizer(options, checkpoint, log);
    Safetensors.DType dtype = dtype(options);
    long started = System.nanoTime();
    try (NDManager manager = Compute.newManager(); ModelCheckpoint source = ModelCheckpoint.open(checkpoint, manager)) {
      log.printf("export-hf: %s (%s, %s, %d layers, %d experts per layer)%n", checkpoint,
          source.layout().name().toLowerCase(Locale.ROOT), source.config().router().id(), source.config().layers(),
          source.config().experts());
      HuggingFaceExport.write(source, output, dtype, maxShardBytes(options), tokenizer, manager);
    }
    long bytes;
    long shards;
    try (var files = Files.list(output)) {
      var weights = files.filter(f -> WEIGHTS.matcher(f.getFileName().toString()).matches()).toList();
      shards = weights.size();
      bytes = 0;
      for (Path file : weights) {
        bytes += Files.size(file);
      }
    }
    log.printf("export-hf: wrote %s: %,d bytes of %s weights in %d file(s)%s, in %.1f s%n", output, bytes,
        dtype.name(), shards, tokenizer.tokenizerJson() != null ? ", tokenizer.json"
            : tokenizer.encoding() != null ? " (tokenizer: " + tokenizer.encoding() + ", not a file)" : "",
        (System.nanoTime() - started) / 1e9);
    return ExitCodes.OK;
  }

  /** --data, else the data recorded with the checkpoint (or its pruning source), else its own tokenizer.json. */
  private static HuggingFaceExport.Tokenizer tokenizer(Options options, Path checkpoint, PrintStream log)
      throws IOException {
    Path data = options.getData() != null ? Path.of(options.getData()) : recordedData(checkpoint);
    if (data == null || !Files.isDirectory(data)) {
      if (ModelCheckpoint.layoutOf(checkpoint) == ModelCheckpoint.Layout.HUGGING_FACE) {
        JsonNode config = new ObjectMapper().readTree(checkpoint.resolve(HuggingFaceFormat.CONFIG).toFile());
        Path file = checkpoint.resolve("tokenizer.json");
        return new HuggingFaceExport.Tokenizer(Files.isRegularFile(file) ? file : null,
            config.path("emoflow_tokenizer").isTextual() ? config.path("emoflow_tokenizer").asText() : null,
            config.path("eos_token_id").isInt() ? config.path("eos_token_id").asInt() : null,
            config.path("pad_token_id").isInt() ? config.path("pad_token_id").asInt() : null);
      }
      log.println("export-hf: warning: no prepared data found for " + checkpoint
          + " (pass --data): no tokenizer files, no eos/pad ids");
      return HuggingFaceExport.Tokenizer.NONE;
    }
    PreparedDataset dataset;
    try {
      dataset = PreparedDataset.open(data);
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    boolean json = dataset.manifest().path("settings").path("tokenizer_backend").asText().equals("huggingface");
    return new HuggingFaceExport.Tokenizer(json ? dataset.root().resolve("tokenizer.json") : null,
        json ? null : dataset.tokenizer(), dataset.eosId(), dataset.padId());
  }

  private static Path recordedData(Path checkpoint) throws IOException {
    Path dir = checkpoint;
    if (Files.isRegularFile(dir.resolve(PrunedExport.METADATA))) {
      dir = Path.of(PrunedExport.readMetadata(dir).sourceCheckpoint());
    }
    if (!Files.isRegularFile(dir.resolve(Checkpoints.TRAINER))) {
      return null;
    }
    String path = TrainerState.read(dir).dataPath();
    return path == null ? null : Path.of(path);
  }
}

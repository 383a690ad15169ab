package org.emoflow.pipelines.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.pipelines.cli.Version;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Inputs;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.transforms.prepare.NothingToPackException;
import org.emoflow.transforms.prepare.Prepare;
import org.emoflow.transforms.prepare.PrepareProgress;
import org.emoflow.transforms.prepare.PrepareSettings;
import org.emoflow.transforms.prepare.TokenizerInfo;
import org.emoflow.transforms.prepare.UnusableFiles;

/**
 * What {@code ./emoflow prepare} does, callable without the command line: check the options, tokenizer and
 * output, run the pipeline, print the summary. The run command and the benchmarks use the same steps.
 */
public final class PrepareJob {
  private PrepareJob() {}

  /** Checks the options alone, before any input is read. */
  public static void validate(PrepareOptions options) {
    Inputs.validate(options);
    if (options.getSeqLen() < 8) {
      throw InvalidOptionException.of("seqLen", "must be at least 8, got " + options.getSeqLen());
    }
    if (!List.of("concat", "bestfit").contains(options.getPacking())) {
      throw InvalidOptionException.of("packing", "expected concat or bestfit, got '" + options.getPacking() + "'");
    }
    double fraction = options.getValidationFraction();
    if (!(fraction >= 0 && fraction < 1)) {
      throw InvalidOptionException.of("validationFraction", "must be in [0, 1), got " + fraction);
    }
    if (options.getPackBucketTokens() < options.getSeqLen()) {
      throw InvalidOptionException.of("packBucketTokens", "must be at least --seq-len");
    }
    if (options.getRowsPerFile() <= 0) {
      throw InvalidOptionException.of("rowsPerFile", "must be positive");
    }
  }
  /** Checks the inputs, tokenizer and output, then runs the pipeline and prints its summary. */
  public static PipelineResult run(PrepareOptions options, PrintStream log) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    List<String> files = Inputs.expand("input", options.getInput());
    // Held until the pipeline ends: workers in this JVM (DirectRunner, Flink [local]) share this load.
    try (TextTokenizer loaded = loadTokenizer("tokenizer", options.getTokenizer(), options.getEosToken())) {
      TokenizerInfo tokenizer = describe(options.getTokenizer(), loaded);
      Inputs.requireParquetColumn("textField", files, options.getTextField());
      prepareOutput(Path.of(options.getOutput()), options.getOverwrite());
      PrepareSettings settings = settings(options, options.getTokenizer(), files);
      log.printf("prepare: %d input files, tokenizer %s (%s, vocab %,d, EOS %d), L=%d, %s packing%n",
          files.size(), tokenizer.spec(), tokenizer.backend(), tokenizer.vocabSize(), tokenizer.eosId(),
          settings.seqLen(), settings.packing());
      Pipeline pipeline = Pipeline.create(Runners.forProduction(options));
      pipeline.apply("Prepare", new Prepare(files, settings, tokenizer, options.getOutput(), Version.get()));
      PipelineResult result;
      try (AutoCloseable progress = PrepareProgress.report(log, 10)) {
        result = pipeline.run();
        result.waitUntilFinish();
      } catch (RuntimeException e) {
        throw NothingToPackException.messageIn(e).<RuntimeException>map(m -> InvalidOptionException.of("input", m))
            .orElse(e);
      } catch (IOException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      printSummary(Path.of(options.getOutput()), log);
      return result;
    }
  }

  /** The settings the Prepare transform runs with (and the manifest records), tokenizer as {@code tokenizerSpec}. */
  public static PrepareSettings settings(PrepareOptions options, String tokenizerSpec, List<String> files)
      throws IOException {
    return new PrepareSettings(tokenizerSpec, options.getEosToken(), options.getSeqLen(), options.getPacking(),
        options.getValidationFraction(), options.getTextField(), options.getIdField(), options.getDomainField(),
        options.getMaxDocumentBytes(), options.getPackBucketTokens(),
        packBuckets(files, options.getPackBucketTokens()), options.getRowsPerFile());
  }

  /**
   * Buckets for about packBucketTokens each, from the input sizes (known before any work, so every
   * runner packs identically): ~4 bytes of text per token, compressed inputs taken as 4x their size.
   */
  private static int packBuckets(List<String> files, long packBucketTokens) throws IOException {
    long estimatedTokens = 0;
    for (String file : files) {
      long bytes = FileSystems.matchSingleFileSpec(file).sizeBytes();
      boolean compressed = file.endsWith(".gz") || file.endsWith(".zst") || file.endsWith(".parquet");
      estimatedTokens += (compressed ? 4 * bytes : bytes) / 4;
    }
    return (int) Math.max(1, Math.min(1 << 20, (estimatedTokens + packBucketTokens - 1) / packBucketTokens));
  }

  /** Loads the tokenizer once to check it and record what the manifest needs; refuses a bad one. */
  public static TokenizerInfo describeTokenizer(String option, String spec, String eosToken) {
    try (TextTokenizer tokenizer = loadTokenizer(option, spec, eosToken)) {
      return describe(spec, tokenizer);
    }
  }

  /** The tokenizer an option names, shared with this JVM's workers (close it when done); or the option refused. */
  private static TextTokenizer loadTokenizer(String option, String spec, String eosToken) {
    try {
      return Tokenizers.shared(spec, eosToken);
    } catch (RuntimeException e) {
      throw InvalidOptionException.of(option, e.getMessage());
    }
  }

  private static TokenizerInfo describe(String spec, TextTokenizer tokenizer) {
    String resolved = tokenizer.backend().equals("huggingface") ? Path.of(spec).toAbsolutePath().toString() : spec;
    return new TokenizerInfo(resolved, tokenizer.backend(), tokenizer.fingerprint(), tokenizer.vocabSize(),
        tokenizer.eosId());
  }

  /** A finished dataset is only replaced on request; leftovers of an interrupted run are cleared. */
  private static void prepareOutput(Path output, boolean overwrite) throws IOException {
    if (Files.exists(output.resolve("manifest.json")) && !overwrite) {
      throw InvalidOptionException.of("output", output + " already holds a prepared dataset (manifest.json);"
          + " pass --overwrite=true to replace it");
    }
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw InvalidOptionException.of("output", output + " exists and is not a directory");
    }
    clearOutput(output);
  }

  /** Removes a prepared dataset, manifest first: a directory without one is never taken for complete. */
  public static void clearOutput(Path output) throws IOException {
    Files.deleteIfExists(output.resolve("manifest.json"));
    for (String part : Prepare.OUTPUTS) {
      AtomicFiles.deleteRecursively(output.resolve(part));
    }
    Files.createDirectories(output);
  }

  private static void printSummary(Path output, PrintStream log) throws IOException {
    JsonNode manifest = new ObjectMapper().readTree(output.resolve("manifest.json").toFile());
    JsonNode documents = manifest.path("documents");
    log.printf("prepare: read %,d documents: %,d packed, %,d rejected %s; %,d blank lines skipped%n",
        documents.path("read").asLong(), documents.path("packed").asLong(), documents.path("rejected").asLong(),
        manifest.path("rejected_by_reason"), documents.path("blank_lines").asLong());
    for (Map.Entry<String, JsonNode> split : iterable(manifest.path("splits"))) {
      JsonNode s = split.getValue();
      long tokens = s.path("tokens").asLong();
      long padding = s.path("padding_tokens").asLong();
      log.printf("prepare: %-10s %,9d documents %,9d sequences %,12d tokens, %.2f%% padding%n", split.getKey(),
          s.path("documents").asLong(), s.path("sequences").asLong(), tokens,
          tokens + padding == 0 ? 0.0 : 100.0 * padding / (tokens + padding));
    }
    Map<String, Long> unusable = new TreeMap<>();
    manifest.path("files_without_documents").fields()
        .forEachRemaining(file -> unusable.put(file.getKey(), file.getValue().asLong()));
    if (!unusable.isEmpty()) {
      log.printf("prepare: WARNING: %d of %d input files gave no usable document: %s%n", unusable.size(),
          manifest.path("inputs").size(), UnusableFiles.describe(unusable));
    }
    log.printf("prepare: wrote %s (%.1f s)%n", output.toAbsolutePath(), manifest.path("elapsed_seconds").asDouble());
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
    return node::fields;
  }
}

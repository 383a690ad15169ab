package org.emoflow.pipelines.tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.emoflow.pipelines.cli.Inputs;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.transforms.io.FieldNames;
import org.emoflow.transforms.tokenizer.TrainTokenizer;
import org.emoflow.transforms.tokenizer.TrainTokenizerReport;
import org.emoflow.transforms.tokenizer.TrainTokenizerSettings;

/**
 * What {@code ./emoflow train-tokenizer} does, callable without the command line (the run command trains its
 * tokenizer through it): check the options and output, run the pipeline, print the summary.
 */
public final class TrainTokenizerJob {
  /** The 256 byte symbols, the EOS token and at least one merge. */
  private static final int MIN_VOCAB_SIZE = 258;
  /** Far above any byte-level vocabulary in use (o200k: ~200k): a bigger one is a typo. */
  private static final int MAX_VOCAB_SIZE = 1 << 20;

  private TrainTokenizerJob() {}

  /** Checks the options alone, before any input is read. */
  public static void validate(TrainTokenizerOptions options) {
    Inputs.validate(options);
    int vocabSize = options.getVocabSize();
    if (vocabSize < MIN_VOCAB_SIZE || vocabSize > MAX_VOCAB_SIZE) {
      throw InvalidOptionException.of("vocabSize", String.format(
          "must be in [%,d, %,d] (256 byte symbols, %s and at least one merge), got %,d",
          MIN_VOCAB_SIZE, MAX_VOCAB_SIZE, TrainTokenizer.EOS_TOKEN, vocabSize));
    }
    if (options.getMinFrequency() < 1) {
      throw InvalidOptionException.of("minFrequency", "must be at least 1, got " + options.getMinFrequency());
    }
    if (options.getMaxWords() < 1) {
      throw InvalidOptionException.of("maxWords", "must be at least 1, got " + options.getMaxWords());
    }
    if (options.getOutput().contains("://")) {
      throw InvalidOptionException.of("output",
          "must be a path on a local or shared file system (the worker that learns the merges writes it), got "
              + options.getOutput());
    }
  }
  /** Checks the inputs and output, then runs the pipeline and prints its summary. */
  public static TrainTokenizerReport run(TrainTokenizerOptions options, PrintStream log) throws IOException {
    long started = System.nanoTime();
    FileSystems.setDefaultPipelineOptions(options);
    List<String> files = Inputs.expand("input", options.getInput());
    Inputs.requireParquetColumn("textField", files, options.getTextField());
    Path output = prepareOutput(options.getOutput(), options.getOverwrite());
    TrainTokenizerSettings settings = new TrainTokenizerSettings(
        new FieldNames(options.getTextField(), options.getIdField(), options.getDomainField()),
        options.getMaxDocumentBytes(), options.getVocabSize(), options.getMinFrequency(), options.getMaxWords(),
        output.toString());
    log.printf("train-tokenizer: %d input files; vocab %,d, words seen >= %,d times, at most %,d of them%n",
        files.size(), settings.vocabSize(), settings.minFrequency(), settings.maxWords());
    Pipeline pipeline = Pipeline.create(Runners.forProduction(options));
    pipeline.apply("TrainTokenizer", new TrainTokenizer(files, settings));
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the pipeline ended " + state);
    }
    TrainTokenizerReport report = TrainTokenizerReport.of(result);
    printSummary(report, settings, output, (System.nanoTime() - started) / 1e9, log);
    return report;
  }

  /** An existing tokenizer is replaced only on request: datasets prepared with it carry its fingerprint. */
  private static Path prepareOutput(String option, boolean overwrite) {
    Path output = Path.of(option).toAbsolutePath().normalize();
    if (Files.isDirectory(output)) {
      throw InvalidOptionException.of("output", output + " is a directory; name the tokenizer.json to write");
    }
    if (Files.exists(output) && !overwrite) {
      throw InvalidOptionException.of("output", output + " exists; pass --overwrite=true to replace it");
    }
    try {
      Files.createDirectories(output.getParent());
    } catch (IOException e) {
      throw InvalidOptionException.of("output", "cannot create the directory " + output.getParent() + ": " + e);
    }
    return output;
  }

  private static void printSummary(TrainTokenizerReport report, TrainTokenizerSettings settings, Path output,
      double seconds, PrintStream log) {
    log.printf("train-tokenizer: read %,d documents: %,d used, %,d rejected %s; %,d blank lines skipped%n",
        report.documentsRead(), report.documentsUsed(), report.documentsRejected(), report.rejectedByReason(),
        report.blankLines());
    log.printf("train-tokenizer: %,d words (pre-tokens), %,d distinct: %,d seen >= %,d times, %,d kept%n",
        report.wordOccurrences(), report.distinctWords(), report.frequentWords(), settings.minFrequency(),
        report.keptWords());
    String shortfall = report.vocabSize() < settings.vocabSize()
        ? String.format(" of the %,d asked for: the kept words ran out of pairs to merge", settings.vocabSize())
        : "";
    log.printf("train-tokenizer: vocab %,d%s; merges learned: %,d; %s = id %,d%n", report.vocabSize(), shortfall,
        report.merges(), TrainTokenizer.EOS_TOKEN, report.vocabSize() - 1);
    log.printf("train-tokenizer: wrote %s (%.1f s)%n", output, seconds);
  }
}

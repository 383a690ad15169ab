package org.emoflow.pipelines.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.prepare.PrepareJob;
import org.emoflow.pipelines.tokenizer.TrainTokenizerJob;
import org.emoflow.pipelines.tokenizer.TrainTokenizerOptions;
import org.emoflow.transforms.prepare.TokenizerInfo;
import org.emoflow.transforms.run.OutputFile;
import org.emoflow.transforms.run.StageResult;

/**
 * The run's tokenizer: named in the config (default cl100k_base), or a byte-level BPE trained on the
 * corpus into RUN/tokenizer/tokenizer.json. A trained one is reused while the corpus files (by
 * checksum) and the training settings are those it was trained with, recorded beside it.
 */
final class RunTokenizer {
  /** @param stage the tokenizer-training stage, or null when the tokenizer was given by name */
  record Result(TokenizerInfo info, StageResult stage) {}

  private static final String SOURCE = "tokenizer-source.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunTokenizer() {}

  static Result resolve(RunConfig config, Path root, List<String> files, List<OutputFile> inputs,
      PipelineOptions options, PrintStream log) throws IOException {
    RunConfig.Tokenizer tokenizer = config.tokenizer();
    if (tokenizer == null || tokenizer.name() != null) {
      String name = tokenizer == null ? "cl100k_base" : tokenizer.name();
      return new Result(PrepareJob.describeTokenizer("tokenizer.name", name, null), null);
    }
    Instant started = Instant.now();
    Path dir = root.resolve("tokenizer");
    Path file = dir.resolve("tokenizer.json");
    TrainTokenizerOptions train = trainOptions(config, files, file, options);
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("inputs", inputs.stream().map(i -> i.path() + " " + i.bytes() + " " + i.sha256()).sorted().toList());
    source.put("vocab_size", train.getVocabSize());
    source.put("min_frequency", train.getMinFrequency());
    source.put("fields", List.of(train.getTextField(), train.getIdField(), train.getDomainField()));
    String sourceJson = JSON.writeValueAsString(source);
    boolean reusable = Files.exists(file) && Files.exists(dir.resolve(SOURCE))
        && Files.readString(dir.resolve(SOURCE)).equals(sourceJson);
    if (!reusable) {
      Files.createDirectories(dir);
      TrainTokenizerJob.run(train, log);
      AtomicFiles.writeString(dir.resolve(SOURCE), sourceJson);
    }
    StageResult stage = StageResult.of("tokenizer", null, null, reusable ? StageResult.REUSED : StageResult.DONE,
        started, reusable ? "corpus and settings unchanged" : null, List.of(OutputFile.of(file)), null);
    return new Result(PrepareJob.describeTokenizer("tokenizer.train", file.toString(), null), stage);
  }

  /** train-tokenizer's options with its defaults, set where the config's tokenizer.train and corpus say. */
  private static TrainTokenizerOptions trainOptions(RunConfig config, List<String> files, Path file,
      PipelineOptions options) {
    TrainTokenizerOptions train = options.as(TrainTokenizerOptions.class);
    train.setInput(files);
    train.setOutput(file.toString());
    train.setOverwrite(true);
    RunConfig.TrainedTokenizer settings = config.tokenizer().train();
    if (settings.vocabSize() != null) {
      train.setVocabSize(settings.vocabSize());
    }
    if (settings.minFrequency() != null) {
      train.setMinFrequency(settings.minFrequency());
    }
    RunConfig.Corpus corpus = config.corpus();
    if (corpus.textField() != null) {
      train.setTextField(corpus.textField());
    }
    if (corpus.idField() != null) {
      train.setIdField(corpus.idField());
    }
    if (corpus.domainField() != null) {
      train.setDomainField(corpus.domainField());
    }
    if (corpus.maxDocumentBytes() != null) {
      train.setMaxDocumentBytes(corpus.maxDocumentBytes());
    }
    try {
      TrainTokenizerJob.validate(train);
    } catch (InvalidOptionException e) {
      throw new InvalidOptionException("tokenizer.train: " + e.getMessage());
    }
    return train;
  }
}

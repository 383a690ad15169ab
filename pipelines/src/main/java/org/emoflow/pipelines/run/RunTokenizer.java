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
import org.emoflow.pipelines.prepare.PreparePipeline;
import org.emoflow.pipelines.tokenizer.TrainTokenizerPipeline;
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
      return new Result(PreparePipeline.describeTokenizer("tokenizer.name", name, null), null);
    }
    Instant started = Instant.now();
    RunConfig.TrainedTokenizer train = tokenizer.train();
    int vocabSize = train.vocabSize() == null ? 8192 : train.vocabSize();
    long minFrequency = train.minFrequency() == null ? 2 : train.minFrequency();
    Path dir = root.resolve("tokenizer");
    Path file = dir.resolve("tokenizer.json");
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("inputs", inputs.stream().map(i -> i.path() + " " + i.bytes() + " " + i.sha256()).sorted().toList());
    source.put("vocab_size", vocabSize);
    source.put("min_frequency", minFrequency);
    source.put("fields", List.of(field(config.corpus().textField(), "text"), field(config.corpus().idField(), "id"),
        field(config.corpus().domainField(), "source")));
    String sourceJson = JSON.writeValueAsString(source);
    boolean reusable = Files.exists(file) && Files.exists(dir.resolve(SOURCE))
        && Files.readString(dir.resolve(SOURCE)).equals(sourceJson);
    if (!reusable) {
      train(config, files, file, vocabSize, minFrequency, options, log);
      AtomicFiles.writeString(dir.resolve(SOURCE), sourceJson);
    }
    StageResult stage = StageResult.of("tokenizer", null, null, reusable ? StageResult.REUSED : StageResult.DONE,
        started, reusable ? "corpus and settings unchanged" : null, List.of(OutputFile.of(file)), null);
    return new Result(PreparePipeline.describeTokenizer("tokenizer.train", file.toString(), null), stage);
  }

  private static String field(String value, String fallback) {
    return value == null ? fallback : value;
  }

  private static void train(RunConfig config, List<String> files, Path file, int vocabSize, long minFrequency,
      PipelineOptions options, PrintStream log) throws IOException {
    TrainTokenizerPipeline.Options train = options.as(TrainTokenizerPipeline.Options.class);
    train.setInput(files);
    train.setOutput(file.toString());
    train.setVocabSize(vocabSize);
    train.setMinFrequency(minFrequency);
    train.setOverwrite(true);
    RunConfig.Corpus corpus = config.corpus();
    train.setTextField(field(corpus.textField(), "text"));
    train.setIdField(field(corpus.idField(), "id"));
    train.setDomainField(field(corpus.domainField(), "source"));
    if (corpus.maxDocumentBytes() != null) {
      train.setMaxDocumentBytes(corpus.maxDocumentBytes());
    }
    try {
      new TrainTokenizerPipeline().validate(train);
    } catch (InvalidOptionException e) {
      throw new InvalidOptionException("tokenizer.train: " + e.getMessage());
    }
    Files.createDirectories(file.getParent());
    TrainTokenizerPipeline.run(train, log);
  }
}

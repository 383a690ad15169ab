package org.emoflow.pipelines.run;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.pipelines.prepare.PreparePipeline;
import org.emoflow.transforms.prepare.TokenizerInfo;
import org.emoflow.transforms.run.StageResult;

/** The run's tokenizer: named in the config (default cl100k_base), or trained on the corpus. */
final class RunTokenizer {
  /** @param stage the tokenizer-training stage, or null when the tokenizer was given by name */
  record Result(TokenizerInfo info, StageResult stage) {}

  private RunTokenizer() {}

  static Result resolve(RunConfig config, Path root, List<String> files, PipelineOptions options, PrintStream log) {
    RunConfig.Tokenizer tokenizer = config.tokenizer();
    String name = tokenizer == null ? "cl100k_base" : tokenizer.name();
    return new Result(PreparePipeline.describeTokenizer("tokenizer.name", name, null), null);
  }
}

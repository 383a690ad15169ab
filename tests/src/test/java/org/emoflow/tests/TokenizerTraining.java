package org.emoflow.tests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.tokenizer.TrainTokenizerJob;
import org.emoflow.pipelines.tokenizer.TrainTokenizerOptions;
import org.emoflow.transforms.tokenizer.TrainTokenizerReport;

/** Runs train-tokenizer as the command line does (parse, validate, run), keeping its report and log. */
final class TokenizerTraining {
  private TokenizerTraining() {}

  static TrainTokenizerReport run(OutputStream log, String... args) throws IOException {
    TrainTokenizerOptions options = CommandLine.parse(args, TrainTokenizerOptions.class);
    TrainTokenizerJob.validate(options);
    return TrainTokenizerJob.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));
  }
}

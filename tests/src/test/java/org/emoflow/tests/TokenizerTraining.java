package org.emoflow.tests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.tokenizer.TrainTokenizerPipeline;
import org.emoflow.transforms.tokenizer.TrainTokenizerReport;

/** Runs train-tokenizer as the command line does (parse, validate, run), keeping its report and log. */
final class TokenizerTraining {
  private TokenizerTraining() {}

  static TrainTokenizerReport run(OutputStream log, String... args) throws IOException {
    TrainTokenizerPipeline command = new TrainTokenizerPipeline();
    TrainTokenizerPipeline.Options options = CommandLine.parse(args, command.optionsClass());
    command.validate(options);
    return TrainTokenizerPipeline.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));
  }
}

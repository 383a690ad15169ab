package org.emoflow.pipelines.bench;

import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.prepare.PrepareJob;
import org.emoflow.pipelines.prepare.PrepareOptions;
import org.emoflow.pipelines.tokenizer.TrainTokenizerJob;
import org.emoflow.pipelines.tokenizer.TrainTokenizerOptions;

/**
 * A command as the benchmarks invoke it: from the arguments a user would type, parsed and checked as
 * {@code ./emoflow <name>} does, so what they time is what the command does, and every run can be printed as
 * a command line to repeat it.
 */
record CommandArgs<O extends PipelineOptions>(String name, Class<O> optionsClass, Consumer<O> validation) {
  static final CommandArgs<PrepareOptions> PREPARE =
      new CommandArgs<>("prepare", PrepareOptions.class, PrepareJob::validate);
  static final CommandArgs<TrainTokenizerOptions> TRAIN_TOKENIZER =
      new CommandArgs<>("train-tokenizer", TrainTokenizerOptions.class, TrainTokenizerJob::validate);

  O parse(List<String> args) {
    O options = CommandLine.parse(args.toArray(String[]::new), optionsClass);
    validation.accept(options);
    return options;
  }

  String line(List<String> args) {
    return "./emoflow " + name + " " + String.join(" ", args);
  }
}

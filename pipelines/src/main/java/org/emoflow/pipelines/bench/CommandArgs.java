package org.emoflow.pipelines.bench;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.CommandLine;

/**
 * The benchmarks run the real commands from the arguments a user would type, so what they time is
 * what {@code ./emoflow <command>} does, and every run can be printed as a command line to repeat it.
 */
final class CommandArgs {
  private CommandArgs() {}

  static <O extends PipelineOptions> O parse(Command<O> command, List<String> args) {
    O options = CommandLine.parse(args.toArray(String[]::new), command.optionsClass());
    command.validate(options);
    return options;
  }

  static String line(Command<?> command, List<String> args) {
    return "./emoflow " + command.name() + " " + String.join(" ", args);
  }
}

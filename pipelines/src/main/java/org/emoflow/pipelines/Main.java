package org.emoflow.pipelines;

import java.io.PrintStream;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.FlinkJobFailures;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Runners;

/** {@code ./emoflow <command> [options]}: exit 0 on success, 2 on a bad option, 1 on a failure. */
public final class Main {
  private static final List<Command<?>> COMMANDS = List.of(
      new org.emoflow.pipelines.sample.SampleCorpusCommand(),
      new org.emoflow.pipelines.tokenizer.TrainTokenizerCommand(),
      new org.emoflow.pipelines.prepare.PrepareCommand(),
      new org.emoflow.pipelines.train.TrainCommand(),
      new org.emoflow.pipelines.run.RunCommand(),
      new org.emoflow.pipelines.prune.PruneCommand(),
      new org.emoflow.pipelines.finetune.FinetuneCommand(),
      new org.emoflow.pipelines.finetune.MergeCommand(),
      new org.emoflow.pipelines.generate.GenerateCommand(),
      new org.emoflow.pipelines.export.ExportHfCommand(),
      new org.emoflow.pipelines.results.QueryCommand(),
      new org.emoflow.pipelines.results.ReportCommand(),
      new org.emoflow.pipelines.bench.PrepareBenchmark(),
      new org.emoflow.pipelines.bench.TrainBenchmark(),
      new org.emoflow.pipelines.bench.GenerateBenchmark(),
      new org.emoflow.pipelines.bench.LoadBenchmark(),

      new org.emoflow.pipelines.sweep.SweepCommand());

  private Main() {}

  static List<Command<?>> commands() {
    return COMMANDS;
  }

  public static void main(String[] args) {
    ignoreFlinkShutdownRace();
    System.exit(run(args, System.out, System.err));
  }

  /**
   * After an embedded Flink run, Flink's and Pekko's JVM shutdown hooks sometimes load classes through a
   * class loader the finished mini cluster has already closed, and print a NoClassDefFoundError although
   * the job succeeded. Only that case is silenced; anything else still reaches the default handler.
   */
  private static void ignoreFlinkShutdownRace() {
    Thread.UncaughtExceptionHandler fallback = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
      boolean classLoading = error instanceof LinkageError || error.getCause() instanceof ClassNotFoundException;
      boolean fromFlink = java.util.Arrays.stream(error.getStackTrace())
          .anyMatch(frame -> frame.getClassName().startsWith("org.apache.pekko.")
              || frame.getClassName().startsWith("org.apache.flink."));
      if (classLoading && fromFlink) {
        return;
      }
      if (fallback != null) {
        fallback.uncaughtException(thread, error);
      } else {
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        error.printStackTrace(System.err);
      }
    });
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      printCommands(out);
      return args.length == 0 ? ExitCodes.BAD_OPTION : ExitCodes.OK;
    }
    Command<?> command = COMMANDS.stream().filter(c -> c.name().equals(args[0])).findFirst().orElse(null);
    if (command == null) {
      err.println("emoflow: unknown command '" + args[0] + "' (./emoflow --help lists them)");
      return ExitCodes.BAD_OPTION;
    }
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    if (CommandLine.wantsHelp(rest)) {
      CommandLine.printHelp(command, out);
      return ExitCodes.OK;
    }
    return execute(command, rest, err);
  }

  private static <O extends PipelineOptions> int execute(Command<O> command, String[] args, PrintStream err) {
    O options;
    try {
      options = CommandLine.parse(args, command.optionsClass(), command.positionalOption());
      command.validate(options);
      Runners.validate(options);
    } catch (InvalidOptionException e) {
      err.println("emoflow " + command.name() + ": " + e.getMessage());
      return ExitCodes.BAD_OPTION;
    }
    try {
      return command.run(options);
    } catch (InvalidOptionException e) {
      // Some checks need the inputs (a data directory's layout, a config file); still before any work.
      err.println("emoflow " + command.name() + ": " + e.getMessage());
      return ExitCodes.BAD_OPTION;
    } catch (Exception e) {
      String why = FlinkJobFailures.describe(e, options).orElseGet(() -> describe(e));
      err.println("emoflow " + command.name() + ": failed: " + why);
      if (System.getenv("EMOFLOW_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return ExitCodes.FAILED;
    }
  }

  /** The innermost cause usually names the file or record at fault; keep the outer context too. */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String outer = String.valueOf(e.getMessage());
    String inner = root == e ? "" : String.valueOf(root.getMessage());
    return inner.isEmpty() || outer.contains(inner) ? outer : outer + " (caused by: " + inner + ")";
  }

  private static void printCommands(PrintStream out) {
    out.println("usage: ./emoflow <command> [--name=value ...]   (./emoflow <command> --help for its options)");
    out.println();
    out.println("Commands:");
    for (Command<?> command : COMMANDS) {
      out.printf("  %-16s %s%n", command.name(), command.summary());
    }
  }
}

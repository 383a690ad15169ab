package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.pipelines.cli.YamlConfig;
import org.emoflow.transforms.sweep.Sweep;
import org.emoflow.transforms.sweep.SweepOutput;
import org.emoflow.transforms.sweep.WorkerModels;

/**
 * What {@code ./emoflow sweep} does, callable without the command line: plan (every check before any Beam work),
 * run the pipeline, print the summary. The sweep benchmark plans and executes through the same steps.
 */
public final class SweepJob {
  private SweepJob() {}

  /** Checks the options alone, before the config is read. */
  public static void validate(SweepOptions options) {
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
  }

  /** Plans the sweep from its config (refusing before any work), executes it and prints its summary. */
  public static void run(SweepOptions options, PrintStream log) throws IOException {
    Instant started = Instant.now();
    SweepPlan plan = plan(options, options.getRunId(), threads(options));
    plan.reportWarnings(log::println);
    log.printf("sweep %s: %d checkpoints x %d tasks, %d cells in %d groups%n", plan.runId(),
        plan.checkpoints().size(), plan.tasks().size(), plan.cells(), plan.groups().size());
    execute(plan, options);
    SweepSummary.print(plan.results(), plan.runId(), Duration.between(started, Instant.now()), log);
  }

  /** The options' config checked and laid out, under this run id (null: the config's) with these threads. */
  static SweepPlan plan(SweepOptions options, String runId, int threads) throws IOException {
    Path configFile = Path.of(options.getConfig());
    return SweepPlan.create(configFile, YamlConfig.read(configFile), options.getResults(), runId, threads);
  }

  /**
   * Runs a checked plan: tables are staged beside the results and published together at the end. What
   * changed since planning (a checkpoint rewritten, a file removed) fails the cells it touches.
   */
  public static void execute(SweepPlan plan, SweepOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    Path staging = plan.results().resolve("_staging").resolve(plan.runId() + "." + UUID.randomUUID());
    Files.createDirectories(staging);
    Pipeline pipeline = Pipeline.create(Runners.forProduction(options));
    boolean analysis = plan.settings().analysis();
    pipeline.apply("Sweep", new Sweep(plan.groups(), analysis ? plan.moeCheckpoints() : List.of(),
        plan.settings(), new SweepOutput(plan.results().toString(), staging.toString(), plan.manifest())));
    try {
      pipeline.run().waitUntilFinish();
    } finally {
      // A failed run leaves neither its staged tables nor an empty RESULTS/_staging behind.
      AtomicFiles.deleteRecursively(staging);
      try {
        Files.deleteIfExists(staging.getParent());
      } catch (DirectoryNotEmptyException anotherRun) {
        // Another sweep is staging beside this one; the last to finish removes the directory.
      }
      // The models served this sweep; a JVM that goes on (tests, an embedded runner) gets the memory back.
      WorkerModels.closeIdle();
    }
  }

  /** --threads, or the cores shared out among the runner's workers in this JVM. */
  static int threads(SweepOptions options) {
    if (options.getThreads() > 0) {
      return options.getThreads();
    }
    int cores = Runtime.getRuntime().availableProcessors();
    int workers = options.getRunner().getSimpleName().startsWith("Flink")
        ? options.as(FlinkPipelineOptions.class).getParallelism()
        : options.as(DirectOptions.class).getTargetParallelism();
    return Math.max(1, cores / Math.max(1, workers));
  }
}

package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.pipelines.cli.YamlConfig;
import org.emoflow.transforms.sweep.Sweep;
import org.emoflow.transforms.sweep.SweepOutput;
import org.emoflow.transforms.sweep.WorkerModels;

/**
 * {@code ./emoflow sweep --config=SWEEP.yaml}: evaluates checkpoints x tasks x expert selections (method,
 * K, calibration size, seed) as one Beam pipeline, and writes the results as Hive-partitioned Parquet
 * under RESULTS: sweep, kept_experts, routing and specialisation, each in {@code TABLE/run_id=R/}, plus
 * {@code sweep_manifest/run_id=R/manifest.json}. Everything that can be checked is checked before the
 * pipeline starts; a cell that fails while running becomes a row with its {@code error} set.
 */
public final class SweepCommand implements Command<SweepCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("The sweep config (YAML); see examples/sweep.yaml.")
    @Validation.Required
    String getConfig();

    void setConfig(String value);

    @Description("Results directory (RESULTS); overrides the config's 'output'.")
    String getResults();

    void setResults(String value);

    @Description("Run id (the run_id=R partition); overrides the config's 'run_id'. Default: the config file's "
        + "name and a short hash of its text. A run id that exists is replaced.")
    String getRunId();

    void setRunId(String value);

    @Description("libtorch threads per worker JVM (0: this machine's cores divided by the runner's parallelism).")
    @Default.Integer(0)
    int getThreads();

    void setThreads(int value);
  }

  @Override
  public String name() {
    return "sweep";
  }

  @Override
  public String summary() {
    return "Evaluate checkpoints x tasks x expert subsets (method, K, calibration, seed); results as Parquet.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
  }

  @Override
  public int run(Options options) throws IOException {
    Instant started = Instant.now();
    PrintStream log = System.err;
    Path configFile = Path.of(options.getConfig());
    SweepPlan plan = SweepPlan.create(configFile, YamlConfig.read(configFile), options.getResults(),
        options.getRunId(), threads(options));
    plan.reportWarnings(log::println);
    log.printf("sweep %s: %d checkpoints x %d tasks, %d cells in %d groups%n", plan.runId(),
        plan.checkpoints().size(), plan.tasks().size(), plan.cells(), plan.groups().size());
    execute(plan, options);
    SweepSummary.print(plan.results(), plan.runId(), Duration.between(started, Instant.now()), log);
    return ExitCodes.OK;
  }

  /**
   * Runs a checked plan: tables are staged beside the results and published together at the end. What
   * changed since planning (a checkpoint rewritten, a file removed) fails the cells it touches.
   */
  public static void execute(SweepPlan plan, Options options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    Path staging = plan.results().resolve("_staging").resolve(plan.runId() + "." + UUID.randomUUID());
    Files.createDirectories(staging);
    Pipeline pipeline = Pipeline.create(Runners.forProduction(options));
    boolean analysis = plan.settings().analysis();
    pipeline.apply("Sweep", new Sweep(plan.groups(), analysis ? plan.moeCheckpoints() : java.util.List.of(),
        plan.settings(), new SweepOutput(plan.results().toString(), staging.toString(), plan.manifestJson())));
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
  private static int threads(Options options) {
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

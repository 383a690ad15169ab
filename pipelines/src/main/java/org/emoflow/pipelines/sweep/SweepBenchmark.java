package org.emoflow.pipelines.sweep;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.sweep.SweepCheckpoint;
import org.emoflow.transforms.sweep.SweepOutput;
import org.emoflow.transforms.sweep.SweepTask;

/**
 * How fast a sweep evaluates, from a sweep config, in one JVM:
 *
 * <ol>
 *   <li>evaluation tokens/s inside the sweep (DirectRunner, one cell at a time, libtorch on every core): the
 *       LM cells' scored tokens over their eval_seconds, against plain forward passes over the same rows with
 *       the same threads, as many as the sweep made, right after it: to the targets' log-probabilities (what
 *       a loss needs: the ratio the target applies to) and, for reference, to the logits only;
 *   <li>wall time of the whole sweep on Flink [local] at parallelism 1 and 2, the cores shared out alike.
 * </ol>
 *
 * <pre>
 *   mvn -B -o -q package -DskipTests
 *   OMP_WAIT_POLICY=PASSIVE java -cp "pipelines/target/classes:$(cat pipelines/target/classpath.txt)" \
 *       org.emoflow.pipelines.sweep.SweepBenchmark --config=examples/sweep.yaml --results=/tmp/sweep-bench
 * </pre>
 *
 * (OMP_WAIT_POLICY=PASSIVE as the launcher sets it: spinning OpenMP waiters slow libtorch down many times
 * beside any busy neighbour.) The target (>= 0.8) applies to the runs with one worker; at parallelism 2
 * the cells share the cores, so each is slower than a pass alone while the sweep's wall time falls.
 *
 * Multiple-choice cells are left out of the throughput (their eval_tokens count the gold answers only).
 * Results go to RESULTS/TABLE/run_id=bench-{direct,flink-p1,flink-p2}; the report goes to stdout.
 */
public final class SweepBenchmark {
  /** The sweep's options plus the benchmark's own. */
  public interface Options extends SweepOptions {
    @Description("Flink parallelism to compare with parallelism 1.")
    @Default.Integer(2)
    int getCompareParallelism();

    void setCompareParallelism(int value);
  }

  private SweepBenchmark() {}

  /**
   * One timed sweep: its wall time and its LM cells' scored tokens per second, against plain forward passes
   * over the same rows, as many as it made, with its threads, right after it (after one pass to warm up): to
   * the targets' log-probabilities (what a loss needs) and to the logits only.
   */
  private record Run(String label, double wallSeconds, long tokens, double sweepSeconds, double forwardSeconds,
      double logitsSeconds) {
    void print(PrintStream out) {
      out.printf("%-46s %7.1f %10.0f %10.0f %10.0f %6.2f%n", label, wallSeconds, tokens / sweepSeconds,
          tokens / forwardSeconds, tokens / logitsSeconds, forwardSeconds / sweepSeconds);
    }
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    int cores = Runtime.getRuntime().availableProcessors();
    int compared = options(args).getCompareParallelism();
    Options direct = options(args);
    direct.setRunner(DirectRunner.class);
    direct.as(DirectOptions.class).setTargetParallelism(1);
    SweepPlan plan = plan(direct, "bench-direct", cores);
    out.printf("sweep benchmark: %d cells, %d cores%n", plan.cells(), cores);
    List<LmTask> tasks = lmTasks(plan);
    List<Run> runs = new ArrayList<>();
    runs.add(run("direct, 1 worker, " + plan.settings().threads() + " threads", plan, direct, tasks));
    for (int parallelism : new int[] {1, compared}) {
      Options flink = options(args);
      flink.setRunner(FlinkRunner.class);
      flink.as(FlinkPipelineOptions.class).setFlinkMaster("[local]");
      flink.as(FlinkPipelineOptions.class).setParallelism(parallelism);
      SweepPlan flinkPlan = plan(flink, "bench-flink-p" + parallelism, Math.max(1, cores / parallelism));
      runs.add(run("flink [local], parallelism " + parallelism + ", " + flinkPlan.settings().threads()
          + " threads each", flinkPlan, flink, tasks));
    }
    out.printf("%n%-46s %7s %10s %10s %10s %6s%n", "run", "wall s", "sweep", "forward", "logits", "ratio");
    runs.forEach(run -> run.print(out));
    out.println("(LM cells' scored tokens/s: sweep = inside the sweep; forward = plain passes to the targets'"
        + " log-probabilities, same threads, one at a time; logits = to the logits only; ratio = sweep / forward,"
        + " target >= 0.8)");
    out.printf("flink parallelism %d vs 1: %.2fx faster (wall time)%n", compared,
        runs.get(1).wallSeconds() / runs.get(2).wallSeconds());
  }

  /** An LM task of one checkpoint, with the rows its cells are evaluated on. */
  private record LmTask(SweepCheckpoint checkpoint, SweepTask task, List<PackedSequence> rows) {}

  private static List<LmTask> lmTasks(SweepPlan plan) throws IOException {
    List<LmTask> tasks = new ArrayList<>();
    for (SweepCheckpoint checkpoint : plan.checkpoints()) {
      for (SweepTask task : plan.tasks()) {
        if (task.isLanguageModelling()) {
          tasks.add(new LmTask(checkpoint, task, PreparedDataset.open(Path.of(checkpoint.dataDir()))
              .domainRows(PreparedDataset.VALIDATION, task.domain(), plan.settings().evalDocuments())));
        }
      }
    }
    return tasks;
  }

  /**
   * Plain passes are timed half before the sweep and half after it, so that a machine getting busier or
   * quieter meanwhile weighs on both sides alike.
   */
  private static Run run(String label, SweepPlan plan, Options options, List<LmTask> tasks) throws IOException {
    int[] cells = new int[tasks.size()];
    for (int i = 0; i < tasks.size(); i++) {
      LmTask task = tasks.get(i);
      cells[i] = plan.groups().stream()
          .filter(g -> g.task().equals(task.task()) && g.checkpoint().name().equals(task.checkpoint().name()))
          .mapToInt(g -> g.cells().size()).sum();
    }
    Compute.engine(); // loads libtorch, which binds JniUtils
    JniUtils.setNumThreads(plan.settings().threads());
    double[] plain = plainForward(tasks, cells, plan.settings().batchSize(), 0);
    long started = System.nanoTime();
    SweepJob.execute(plan, options);
    double wall = (System.nanoTime() - started) / 1e9;
    JniUtils.setNumThreads(plan.settings().threads());
    double[] after = plainForward(tasks, cells, plan.settings().batchSize(), 1);
    long tokens = 0;
    double sweepSeconds = 0;
    for (Path file : ParquetFiles.list(SweepOutput.partition(plan.results(), SweepOutput.SWEEP, plan.runId()))) {
      for (SweepResult row : ParquetFiles.<SweepResult>readAll(file)) {
        if (row.getError() == null && row.getTaskKind().equals(SweepTask.LM)) {
          tokens += row.getEvalTokens();
          sweepSeconds += row.getEvalSeconds();
        }
      }
    }
    System.out.printf("%s: %.1f s wall%n", label, wall);
    return new Run(label, wall, tokens, sweepSeconds, plain[0] + after[0], plain[1] + after[1]);
  }

  /** Seconds of plain passes over every task's rows: the first (half == 0) or second half of its cells' count. */
  private static double[] plainForward(List<LmTask> tasks, int[] cells, int batchSize, int half) throws IOException {
    double[] seconds = new double[2];
    for (int i = 0; i < tasks.size(); i++) {
      int passes = half == 0 ? cells[i] / 2 : cells[i] - cells[i] / 2;
      double[] task = plainForwardSeconds(tasks.get(i).checkpoint(), tasks.get(i).rows(), batchSize, passes);
      seconds[0] += task[0];
      seconds[1] += task[1];
    }
    return seconds;
  }

  private static Options options(String[] args) {
    return CommandLine.parse(args, Options.class);
  }

  private static SweepPlan plan(Options options, String runId, int threads) throws IOException {
    return SweepJob.plan(options, runId, options.getThreads() > 0 ? options.getThreads() : threads);
  }

  /**
   * Seconds of {@code passes} passes over the rows, batch by batch, after one to warm up: to the targets'
   * log-probabilities, and to the logits only.
   */
  private static double[] plainForwardSeconds(SweepCheckpoint checkpoint, List<PackedSequence> rows, int batchSize,
      int passes) throws IOException {
    double[] seconds = new double[2];
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(Path.of(checkpoint.directory()), manager)) {
      for (int kind = 0; kind < 2; kind++) {
        for (int pass = 0; pass <= passes; pass++) {
          long started = System.nanoTime();
          for (int first = 0; first < rows.size(); first += batchSize) {
            PackedBatch batch = new PackedBatch(rows.subList(first, Math.min(rows.size(), first + batchSize)));
            if (kind == 0) {
              Evaluator.targetLogProbabilities(model, batch, null);
            } else {
              try (NDManager forward = model.manager().newSubManager()) {
                model.logits(model.hidden(ForwardContext.forEvaluation(model.config(), batch, forward, null, false)));
              }
            }
          }
          seconds[kind] += pass == 0 ? 0 : (System.nanoTime() - started) / 1e9;
        }
      }
    }
    return seconds;
  }

  private static String shorten(String name) {
    return name.length() <= 32 ? name : "..." + name.substring(name.length() - 29);
  }
}

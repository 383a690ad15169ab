package org.emoflow.transforms.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.train.Trainer;

/**
 * Runs a training stage in its own JVM (DJL allows one autograd recorder per JVM; a process also
 * isolates GPU memory and crashes), streaming its output to the stage's log and to this worker's
 * console. Idempotent: a finished stage is reused without starting a process, and an interrupted one
 * resumes from its newest valid checkpoint, because that is what {@code train} does. A failure becomes a
 * failed result with its reason, never a lost run: the other stages go on.
 */
final class TrainStageFn extends DoFn<TrainingJob, StageResult> {
  private static final int REASON_LINES = 5;

  @ProcessElement
  public void process(@Element TrainingJob job, OutputReceiver<StageResult> out) throws InterruptedException {
    Instant started = Instant.now();
    Path output = Path.of(job.outputDir());
    try {
      if (isFinished(output, job.steps())) {
        out.output(result(job, StageResult.REUSED, started, "already trained to step " + job.steps()));
        return;
      }
    } catch (IOException e) {
      // An unreadable summary or checkpoint: train again, which resumes from the newest valid checkpoint.
    }
    String failure;
    try {
      failure = ComputeSlots.run(job.maxParallelStages(), () -> launch(job));
    } catch (IOException e) {
      failure = "cannot run the training process: " + e.getMessage();
    }
    try {
      if (failure == null && !isFinished(output, job.steps())) {
        failure = "the training process ended without reaching step " + job.steps();
      }
    } catch (IOException e) {
      failure = "the training output cannot be read: " + e.getMessage();
    }
    out.output(failure == null ? result(job, StageResult.DONE, started, null)
        : StageResult.of(job.stageName(), job.variant(), job.router(), StageResult.FAILED, started, failure,
            List.of(), null));
  }

  private static StageResult result(TrainingJob job, String status, Instant started, String reason) {
    try {
      Trainer.Summary summary = Trainer.Summary.read(Path.of(job.outputDir()));
      Path checkpoint = Path.of(summary.finalCheckpoint());
      return StageResult.of(job.stageName(), job.variant(), job.router(), status, started, reason,
          List.of(OutputFile.of(checkpoint.resolve(Checkpoints.MODEL)),
              OutputFile.of(Path.of(job.outputDir()).resolve(Trainer.SUMMARY_FILE))),
          checkpoint.toString());
    } catch (IOException e) {
      return StageResult.of(job.stageName(), job.variant(), job.router(), StageResult.FAILED, started,
          "the training output cannot be read: " + e.getMessage(), List.of(), null);
    }
  }

  /** Finished means: a summary at the final step whose checkpoint passes its checksums. */
  static boolean isFinished(Path output, int steps) throws IOException {
    if (!Files.exists(output.resolve(Trainer.SUMMARY_FILE))) {
      return false;
    }
    Trainer.Summary summary = Trainer.Summary.read(output);
    if (summary.finalStep() != steps || summary.finalCheckpoint() == null) {
      return false;
    }
    Checkpoints.verify(Path.of(summary.finalCheckpoint()));
    return true;
  }

  /** Runs the process to its end; returns null on success, else why it failed. */
  private static String launch(TrainingJob job) throws IOException, InterruptedException {
    Path log = Path.of(job.logFile());
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(job.command()).redirectErrorStream(true);
    // libtorch's OpenMP threads otherwise spin while they wait: beside any other busy process (another
    // stage, an evaluation, the runner) training on 2 cores fell from ~1,500 to ~90 tokens/s.
    builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
    Process process = builder.start();
    Deque<String> lastLines = new ArrayDeque<>();
    PrintStream console = System.err;
    try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      logWriter.write("=== " + Instant.now() + " " + String.join(" ", job.command()) + System.lineSeparator());
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        logWriter.write(line + System.lineSeparator());
        logWriter.flush();
        console.println("[" + job.variant() + "] " + line);
        lastLines.addLast(line);
        if (lastLines.size() > REASON_LINES) {
          lastLines.removeFirst();
        }
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
    int exit = process.waitFor();
    if (exit == 0) {
      return null;
    }
    return describeExit(exit) + "; last output: " + String.join(" | ", lastLines) + " (log: " + log + ")";
  }

  static String describeExit(int exit) {
    return switch (exit) {
      case 137 -> "the training process was killed (SIGKILL, exit 137)";
      case 143 -> "the training process was terminated (SIGTERM, exit 143)";
      default -> "the training process exited with status " + exit;
    };
  }
}

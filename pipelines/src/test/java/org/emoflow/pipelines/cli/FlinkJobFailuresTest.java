package org.emoflow.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ProgramInvocationException;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException;
import org.apache.flink.util.FlinkExpectedException;
import org.junit.jupiter.api.Test;

/**
 * The one line reported for a failed Flink job, from Flink's own exceptions as they reach the client (the
 * JobManager's record of them is read in the cluster test, tests/.../FlinkClusterRecoveryTest).
 */
class FlinkJobFailuresTest {
  private static final JobID JOB = JobID.fromHexString("709d8bb4c243eca23c004737aa840bc5");

  /** The chain the FlinkRunner throws: the job's failure inside Flink's and Beam's wrappers. */
  private static Throwable asTheClientSeesIt(Throwable cause) {
    JobExecutionException execution = new JobExecutionException(JOB, "Job execution failed.",
        new JobException("Recovery is suppressed by NoRestartBackoffTimeStrategy", cause));
    return new RuntimeException("Pipeline execution failed",
        new ProgramInvocationException("Job failed (JobID: " + JOB + ")", execution));
  }

  private static String summary(Throwable failure, String taskManager) {
    StringWriter text = new StringWriter();
    failure.printStackTrace(new PrintWriter(text));
    return FlinkJobFailures.summary(new FlinkJobFailures.Failure(text.toString(), taskManager, 0));
  }

  @Test
  void aDirectMemoryShortageNamesTheLimitAndTheSettingToRaise() {
    Throwable failure = asTheClientSeesIt(new RuntimeException(
        "java.lang.OutOfMemoryError: Cannot reserve 131072 bytes of direct buffer memory (allocated: 493811753,"
            + " limit: 493921243)",
        new OutOfMemoryError("Direct buffer memory. The direct out-of-memory error has occurred.")));
    assertEquals("out of Java direct memory on TaskManager taskmanager-2 (127.0.0.1:40001): Cannot reserve 131072"
        + " bytes of direct buffer memory (allocated: 493811753, limit: 493921243); raise"
        + " taskmanager.memory.task.off-heap.size (see infra/flink/README.md, Memory)",
        summary(failure, "taskmanager-2 (127.0.0.1:40001)"));
  }

  @Test
  void aTaskManagerThatShutDownIsNamedAsLostNotAsTheCause() {
    String line = summary(asTheClientSeesIt(new FlinkExpectedException("The TaskExecutor is shutting down.")),
        "taskmanager-1 (127.0.0.1:40002)");
    assertTrue(line.startsWith("TaskManager taskmanager-1 (127.0.0.1:40002) was lost (FlinkExpectedException:"
        + " The TaskExecutor is shutting down.): its own log says why"), line);
  }

  @Test
  void aSlotTimeoutReportsTheMissingSlotsNotTheTimeout() {
    Throwable failure = asTheClientSeesIt(new NoResourceAvailableException(
        "Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout",
        new TimeoutException("Timeout has occurred: 300000 ms")));
    assertEquals("NoResourceAvailableException: Slot request bulk is not fulfillable! Could not allocate the"
        + " required slot within slot request timeout", summary(failure, null));
  }

  @Test
  void failuresOfOtherRunnersOrOfAnEmbeddedFlinkAreLeftToTheUsualMessage() {
    Throwable failure = asTheClientSeesIt(new IllegalStateException("boom"));
    FlinkPipelineOptions local = CommandLine.parse(new String[] {"--runner=FlinkRunner", "--flinkMaster=[local]"},
        FlinkPipelineOptions.class);
    assertEquals(Optional.empty(), FlinkJobFailures.describe(failure, local));
    FlinkPipelineOptions direct = CommandLine.parse(new String[0], FlinkPipelineOptions.class);
    assertEquals(Optional.empty(), FlinkJobFailures.describe(failure, direct));
  }

  @Test
  void aClusterThatDoesNotAnswerLeavesTheClientsOwnException() {
    FlinkPipelineOptions remote = CommandLine.parse(new String[] {"--runner=FlinkRunner",
        "--flinkMaster=127.0.0.1:1"}, FlinkPipelineOptions.class);
    assertEquals(Optional.of("Flink job " + JOB + " failed: IllegalStateException: boom"),
        FlinkJobFailures.describe(asTheClientSeesIt(new IllegalStateException("boom")), remote));
  }
}

package org.emoflow.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.pipelines.Main;
import org.junit.jupiter.api.Test;

/**
 * Retry options Beam's FlinkRunner ignores for batch jobs are refused by name; the restart warning needs a
 * cluster that answers (tests/.../FlinkClusterRecoveryTest asks a real one).
 */
class FlinkRestartsTest {
  private static String refusal(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    return message;
  }

  @Test
  void retryOptionsTheFlinkRunnerWouldIgnoreAreRefusedByName() {
    String message = refusal("sweep", "--config=nowhere.yaml", "--runner=FlinkRunner", "--flinkMaster=127.0.0.1:1",
        "--numberOfExecutionRetries=2");
    assertTrue(message.startsWith("emoflow sweep: --number-of-execution-retries: Beam's FlinkRunner ignores it"
        + " for batch jobs; set restart-strategy in the Flink cluster's configuration"), message);
    assertTrue(refusal("prepare", "--input=x", "--output=y", "--runner=FlinkRunner", "--flinkMaster=[local]",
        "--execution-retry-delay=1000").contains("--execution-retry-delay: Beam's FlinkRunner ignores it"));
  }

  @Test
  void noWarningWithoutAClusterToAsk() {
    PipelineOptions local = CommandLine.parse(new String[] {"--runner=FlinkRunner", "--flinkMaster=[local]"},
        PipelineOptions.class);
    assertEquals(Optional.empty(), Runners.restartWarning(local));
    PipelineOptions silent = CommandLine.parse(new String[] {"--runner=FlinkRunner", "--flinkMaster=127.0.0.1:1"},
        PipelineOptions.class);
    assertEquals(Optional.empty(), Runners.restartWarning(silent), "a master that does not answer is not judged");
  }
}

package org.emoflow.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Whether a job sent to a Flink cluster restarts when a TaskManager is lost is the cluster's setting alone.
 * emoflow's jobs are bounded, so Beam's FlinkRunner (2.62) runs them as Flink DataSet jobs, and for those
 * nothing on the client sets a restart strategy: the runner applies --numberOfExecutionRetries and
 * --executionRetryDelay only when it builds a streaming environment, and Flink 1.19 reads a DataSet job's
 * strategy from ExecutionConfig.setRestartStrategy (which Beam never calls), not from restart-strategy keys
 * of the client's configuration (--flinkConfDir). So emoflow refuses those options where they would be
 * ignored, and warns when the cluster would fail a job at its first lost TaskManager.
 */
final class FlinkRestarts {
  private static final Set<String> STRATEGY_KEYS = Set.of("restart-strategy.type", "restart-strategy");

  private FlinkRestarts() {}

  /** Refuses retry options the runner would silently ignore. */
  static void refuseIgnoredRetries(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().equals("FlinkRunner")) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (flink.isStreaming() || Boolean.TRUE.equals(flink.getUseDataStreamForBatch())) {
      return;
    }
    String ignored = flink.getNumberOfExecutionRetries() >= 0 ? "number-of-execution-retries"
        : flink.getExecutionRetryDelay() >= 0 ? "execution-retry-delay" : null;
    if (ignored != null) {
      throw InvalidOptionException.of(OptionNames.toCamel(ignored), "Beam's FlinkRunner ignores it for batch jobs;"
          + " set restart-strategy in the Flink cluster's configuration instead (infra/flink/README.md, Restarts)");
    }
  }

  /** A warning when the cluster the job goes to restarts no job; empty when it does or cannot be asked. */
  static Optional<String> warning(PipelineOptions options) {
    Optional<String> master = FlinkMaster.of(options);
    if (master.isEmpty() || clusterSetsOne(master.get()).orElse(true)) {
      return Optional.empty();
    }
    return Optional.of("the Flink cluster at " + master.get() + " names no restart-strategy in its configuration:"
        + " a lost TaskManager will fail this job instead of restarting it (infra/flink/README.md, Restarts)");
  }

  /** Whether the cluster's configuration names a restart strategy; empty when it does not answer. */
  static Optional<Boolean> clusterSetsOne(String master) {
    try {
      for (JsonNode entry : FlinkMaster.get(master, "/jobmanager/config")) {
        if (STRATEGY_KEYS.contains(entry.path("key").asText())) {
          return Optional.of(true);
        }
      }
      return Optional.of(false);
    } catch (IOException | RuntimeException unreachable) {
      // Submitting the job will say what is wrong with the master.
      return Optional.empty();
    }
  }
}

package org.emoflow.pipelines.cli;

import java.util.Optional;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** Runner settings every emoflow job shares. */
public final class Runners {
  private Runners() {}

  /** Refuses runner options that would be silently ignored (before any work starts). */
  public static void validate(PipelineOptions options) {
    FlinkRestarts.refuseIgnoredRetries(options);
  }

  /**
   * The DirectRunner's immutability and encodability checks re-encode every element to catch bugs in
   * user code; on real corpora they cost most of the run (and walk the whole graph for every bundle).
   * emoflow's DoFns never mutate their inputs, so jobs run without them. A job sent to a Flink cluster
   * that would not restart it after a lost TaskManager is submitted with a warning ({@link FlinkRestarts}).
   */
  public static <O extends PipelineOptions> O forProduction(O options) {
    DirectOptions direct = options.as(DirectOptions.class);
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
    restartWarning(options).ifPresent(warning -> System.err.println("emoflow: warning: " + warning));
    return options;
  }

  /** Why a job for these options would not survive a lost TaskManager; empty when it would or cannot tell. */
  public static Optional<String> restartWarning(PipelineOptions options) {
    return FlinkRestarts.warning(options);
  }
}

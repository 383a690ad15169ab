package org.emoflow.pipelines.cli;

import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** Runner settings every emoflow job shares. */
public final class Runners {
  private Runners() {}

  /**
   * The DirectRunner's immutability and encodability checks re-encode every element to catch bugs in
   * user code; on real corpora they cost most of the run (and walk the whole graph for every bundle).
   * emoflow's DoFns never mutate their inputs, so jobs run without them.
   */
  public static <O extends PipelineOptions> O forProduction(O options) {
    DirectOptions direct = options.as(DirectOptions.class);
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
    return options;
  }
}

package org.emoflow.pipelines.sweep;

import java.io.IOException;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;

/**
 * {@code ./emoflow sweep --config=SWEEP.yaml}: evaluates checkpoints x tasks x expert selections (method,
 * K, calibration size, seed) as one Beam pipeline, and writes the results as Hive-partitioned Parquet
 * under RESULTS: sweep, kept_experts, routing and specialisation, each in {@code TABLE/run_id=R/}, plus
 * {@code sweep_manifest/run_id=R/manifest.json}. Everything that can be checked is checked before the
 * pipeline starts; a cell that fails while running becomes a row with its {@code error} set.
 */
public final class SweepCommand implements Command<SweepOptions> {

  @Override
  public String name() {
    return "sweep";
  }

  @Override
  public String summary() {
    return "Evaluate checkpoints x tasks x expert subsets (method, K, calibration, seed); results as Parquet.";
  }

  @Override
  public Class<SweepOptions> optionsClass() {
    return SweepOptions.class;
  }

  @Override
  public void validate(SweepOptions options) {
    SweepJob.validate(options);
  }

  @Override
  public int run(SweepOptions options) throws IOException {
    SweepJob.run(options, System.err);
    return ExitCodes.OK;
  }
}

package org.emoflow.transforms.sweep;

import java.io.Serializable;
import java.nio.file.Path;
import org.emoflow.schemas.SweepManifest;

/**
 * Where a sweep's tables go: written first under {@code staging}, then each moved whole onto
 * RESULTS/TABLE/run_id=R, replacing that run's earlier partition, and the manifest written last.
 *
 * @param manifest the manifest as the command knows it before the run (config, checkpoints with their checksums,
 *     grid, code version); the publishing step adds the tallies, the tables' files and the time
 */
public record SweepOutput(String resultsDir, String stagingDir, SweepManifest manifest) implements Serializable {
  public static final String SWEEP = "sweep";
  public static final String KEPT_EXPERTS = "kept_experts";
  public static final String ROUTING = "routing";
  public static final String SPECIALISATION = "specialisation";
  public static final String MANIFEST = "sweep_manifest";

  /** RESULTS/TABLE/run_id=R. */
  public static Path partition(Path results, String table, String runId) {
    return results.resolve(table).resolve("run_id=" + runId);
  }

  String staged(String table) {
    return Path.of(stagingDir).resolve(table).toString();
  }
}

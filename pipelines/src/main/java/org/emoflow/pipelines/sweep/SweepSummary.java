package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.sweep.SweepOutput;

/** The lines a finished sweep prints: what ran, what failed (the first few, with why) and where it all is. */
final class SweepSummary {
  private static final int ERRORS_SHOWN = 5;

  private SweepSummary() {}

  static void print(Path results, String runId, Duration elapsed, PrintStream out) throws IOException {
    Path partition = SweepOutput.partition(results, SweepOutput.SWEEP, runId);
    List<SweepResult> rows = new ArrayList<>();
    for (Path file : ParquetFiles.list(partition)) {
      rows.addAll(ParquetFiles.<SweepResult>readAll(file));
    }
    List<SweepResult> failed = rows.stream().filter(row -> row.getError() != null).toList();
    out.printf("sweep %s: %d cells, %d failed, in %s%n", runId, rows.size(), failed.size(), format(elapsed));
    failed.stream().limit(ERRORS_SHOWN).forEach(row -> out.printf("  failed: %s x %s x %s K=%d: %s%n",
        row.getCheckpoint(), row.getTask(), row.getMethod(), row.getKeepExperts(), row.getError()));
    if (failed.size() > ERRORS_SHOWN) {
      out.printf("  ... and %d more (the error column says why)%n", failed.size() - ERRORS_SHOWN);
    }
    out.printf("results: %s/{%s,%s,%s,%s}/run_id=%s/*.parquet%n", results, SweepOutput.SWEEP,
        SweepOutput.KEPT_EXPERTS, SweepOutput.ROUTING, SweepOutput.SPECIALISATION, runId);
    out.printf("manifest: %s%n", SweepOutput.partition(results, SweepOutput.MANIFEST, runId).resolve("manifest.json"));
  }

  private static String format(Duration elapsed) {
    long seconds = elapsed.toSeconds();
    return seconds < 120 ? seconds + " s" : (seconds / 60) + " min " + (seconds % 60) + " s";
  }
}

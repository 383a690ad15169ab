package org.emoflow.transforms.run;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one stage of a run. {@code status} is {@value #DONE}, {@value #REUSED} (a valid output
 * of an earlier run was found, no work done) or {@value #FAILED} (with the reason). Training stages name
 * their variant, router and final checkpoint.
 */
public record StageResult(
    String name,
    String variant,
    String router,
    String status,
    String startedAt,
    String finishedAt,
    double seconds,
    String reason,
    List<OutputFile> outputs,
    String checkpoint)
    implements Serializable {

  public static final String DONE = "done";
  public static final String REUSED = "reused";
  public static final String FAILED = "failed";

  public static StageResult of(String name, String variant, String router, String status, Instant started,
      String reason, List<OutputFile> outputs, String checkpoint) {
    Instant finished = Instant.now();
    return new StageResult(name, variant, router, status, started.toString(), finished.toString(),
        Duration.between(started, finished).toMillis() / 1000.0, reason, List.copyOf(outputs), checkpoint);
  }

  public boolean succeeded() {
    return !status.equals(FAILED);
  }
}

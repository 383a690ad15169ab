package org.emoflow.transforms.sweep;

import java.io.Serializable;
import org.emoflow.model.io.Checksums;

/**
 * One cell of the grid: a checkpoint, a task and how its experts are chosen.
 *
 * @param method {@link #FULL} or a selection method's id
 * @param calibrationDocs documents selection calibrates on; null for all of them, and for cells that do not
 *     calibrate (full, random)
 * @param keepExperts K, the shared expert included (E for the full model); a composition's members each keep K
 * @param finetuneSteps optimizer steps the pruned model is fine-tuned before evaluation (0: none)
 */
public record Cell(
    SweepCheckpoint checkpoint, SweepTask task, String method, Integer calibrationDocs, long seed, int keepExperts,
    int finetuneSteps) implements Serializable {
  public static final String FULL = "full";

  /**
   * A stable key of the cell's coordinates (not of the run), so the same cell can be found across runs
   * (fine-tune steps join the key only when there are some, so cells without keep the ids they had).
   */
  public String id() {
    String coordinates = String.join("\u0000", checkpoint.name(), task.name(), method,
        String.valueOf(calibrationDocs), Long.toString(seed), Integer.toString(keepExperts))
        + (finetuneSteps > 0 ? "\u0000finetune=" + finetuneSteps : "");
    return Checksums.sha256(coordinates).substring(0, 16);
  }

  @Override
  public String toString() {
    return checkpoint.name() + " x " + task.name() + " x " + method + " K=" + keepExperts
        + (calibrationDocs != null ? " calibration=" + calibrationDocs : "") + " seed=" + seed
        + (finetuneSteps > 0 ? " finetune=" + finetuneSteps : "");
  }
}

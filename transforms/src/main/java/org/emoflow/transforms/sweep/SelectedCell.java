package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * A cell whose experts are chosen, ready to evaluate.
 *
 * @param kept per layer the kept routed expert ids, ascending; null for the full model
 * @param selectionSeconds what the selection took on its own, the shared calibration pass included; null when
 *     nothing was selected
 * @param error why the selection failed; null if it did not
 * @param member of a composed cell, the member task this element evaluates (one element per member); null
 *     otherwise
 */
public record SelectedCell(Cell cell, int[][] kept, Double selectionSeconds, String error, SweepTask member)
    implements Serializable {
  SelectedCell(Cell cell, int[][] kept, Double selectionSeconds, String error) {
    this(cell, kept, selectionSeconds, error, null);
  }

  static SelectedCell failed(Cell cell, Throwable error) {
    return new SelectedCell(cell, null, null, Failures.describe(error));
  }

  /** The task evaluated: the member of a composed cell, else the cell's task. */
  SweepTask evaluated() {
    return member != null ? member : cell.task();
  }

  /** Experts kept per layer, the shared one included, as evaluated (a composition's padded union). */
  int keptExperts() {
    return kept == null ? cell.keepExperts() : kept[0].length + 1;
  }
}

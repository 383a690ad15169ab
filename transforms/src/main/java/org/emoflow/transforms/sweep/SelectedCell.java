package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * A cell whose experts are chosen, ready to evaluate.
 *
 * @param kept per layer the kept routed expert ids, ascending; null for the full model
 * @param selectionSeconds what the selection took on its own, the shared calibration pass included; null when
 *     nothing was selected
 * @param error why the selection failed; null if it did not
 */
public record SelectedCell(Cell cell, int[][] kept, Double selectionSeconds, String error) implements Serializable {
  static SelectedCell failed(Cell cell, Throwable error) {
    return new SelectedCell(cell, null, null, Failures.describe(error));
  }
}

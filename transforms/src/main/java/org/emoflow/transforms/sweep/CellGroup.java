package org.emoflow.transforms.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * Cells that share their selection's inputs: one checkpoint, one task and one calibration set, so the
 * calibration routing statistics are measured once for all their methods and K. Cells that need no
 * calibration (the full model, random subsets) form a group of their own per checkpoint and task.
 *
 * @param calibrated whether the group calibrates ({@code calibrationDocs} null then means all documents)
 */
public record CellGroup(
    SweepCheckpoint checkpoint, SweepTask task, boolean calibrated, Integer calibrationDocs, List<Cell> cells)
    implements Serializable {}

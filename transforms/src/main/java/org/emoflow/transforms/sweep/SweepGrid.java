package org.emoflow.transforms.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.emoflow.model.select.SelectionMethod;

/**
 * A sweep's axes, and the cells they make for its checkpoints and tasks: per checkpoint and task, the full
 * model; per K and seed a random subset; per calibration size, method and K a calibrated selection. Methods
 * other than random are deterministic given their calibration set, so seeds multiply the random control only
 * (the others take the first seed). A dense checkpoint has its full-model cells only. A composed task has no
 * full-model cell (its members have theirs). Every selected cell comes once per finetune_steps entry; steps
 * above 0 only for tasks with domains to train on.
 *
 * @param methods selection methods, without the full model (always in the grid)
 * @param calibrationDocs calibration sizes; a null entry for all of a task's calibration documents
 * @param seeds the random subsets' seeds; the first also seeds every other cell
 */
public record SweepGrid(
    List<SelectionMethod> methods, List<Integer> keepExperts, List<Integer> calibrationDocs, List<Long> seeds,
    List<Integer> finetuneSteps) {

  public SweepGrid {
    methods = List.copyOf(methods);
    keepExperts = List.copyOf(keepExperts);
    calibrationDocs = Collections.unmodifiableList(new ArrayList<>(calibrationDocs));
    seeds = List.copyOf(seeds);
    finetuneSteps = List.copyOf(finetuneSteps);
    if (seeds.isEmpty() || finetuneSteps.isEmpty() || calibrationDocs.isEmpty()) {
      throw new IllegalArgumentException("a grid needs at least one seed, finetune_steps entry and calibration size");
    }
  }

  /** Whether any cell selects from calibration routing (any method but random). */
  public boolean calibrates() {
    return methods.stream().anyMatch(method -> method != SelectionMethod.RANDOM);
  }

  public boolean finetunes() {
    return finetuneSteps.stream().anyMatch(steps -> steps > 0);
  }

  /** The cells, grouped by what their selection shares (see {@link CellGroup}), in a stable order. */
  public List<CellGroup> expand(List<SweepCheckpoint> checkpoints, List<SweepTask> tasks) {
    List<CellGroup> groups = new ArrayList<>();
    long firstSeed = seeds.get(0);
    for (SweepCheckpoint checkpoint : checkpoints) {
      for (SweepTask task : tasks) {
        if (task.isComposition() && !checkpoint.isMoe()) {
          continue;
        }
        List<Cell> uncalibrated = new ArrayList<>();
        if (!task.isComposition()) {
          uncalibrated.add(new Cell(checkpoint, task, Cell.FULL, null, firstSeed, checkpoint.experts(), 0));
        }
        if (checkpoint.isMoe() && methods.contains(SelectionMethod.RANDOM)) {
          for (int k : keepExperts) {
            for (long seed : seeds) {
              uncalibrated.addAll(finetuned(checkpoint, task, SelectionMethod.RANDOM, null, seed, k));
            }
          }
        }
        if (!uncalibrated.isEmpty()) {
          groups.add(new CellGroup(checkpoint, task, false, null, uncalibrated));
        }
        if (!checkpoint.isMoe() || !calibrates()) {
          continue;
        }
        for (Integer documents : calibrationDocs) {
          List<Cell> cells = new ArrayList<>();
          for (SelectionMethod method : methods) {
            if (method != SelectionMethod.RANDOM) {
              for (int k : keepExperts) {
                cells.addAll(finetuned(checkpoint, task, method, documents, firstSeed, k));
              }
            }
          }
          groups.add(new CellGroup(checkpoint, task, true, documents, cells));
        }
      }
    }
    return groups;
  }

  /** A selected cell once per finetune_steps entry (steps above 0 only where the task has domains to train on). */
  private List<Cell> finetuned(SweepCheckpoint checkpoint, SweepTask task, SelectionMethod method,
      Integer calibration, long seed, int k) {
    List<Cell> cells = new ArrayList<>();
    for (int steps : finetuneSteps) {
      if (steps == 0 || !task.trainingDomains().isEmpty()) {
        cells.add(new Cell(checkpoint, task, method.id(), calibration, seed, k, steps));
      }
    }
    return cells;
  }
}

package org.emoflow.transforms.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.select.Composition;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.SelectionMethod;

/**
 * Chooses the kept experts of every cell of a group. A calibrated group measures the full model's routing
 * on its calibration set once ({@link ExpertSelector} keeps it) and every method and K of the group
 * selects from it; a failure fails the cells it touches, which go on as error rows. A composed task's group
 * measures every member's calibration set, composes each cell's selections ({@link Composition}) and emits
 * the cell once per member. Cells that differ only in their fine-tune steps share one selection.
 */
final class SelectExpertsFn extends DoFn<CellGroup, SelectedCell> {
  private final SweepSettings settings;

  SelectExpertsFn(SweepSettings settings) {
    this.settings = settings;
  }

  @Setup
  public void setup() {
    WorkerModels.useThreads(settings.threads());
  }

  @ProcessElement
  public void process(@Element CellGroup group, OutputReceiver<SelectedCell> out) {
    if (group.calibrated()) {
      calibrated(group, out);
    } else {
      uncalibrated(group, out);
    }
  }

  /** The full model and random subsets: they depend on the checkpoint's shape only. */
  private void uncalibrated(CellGroup group, OutputReceiver<SelectedCell> out) {
    ModelConfig config;
    try {
      config = ModelCheckpoint.readConfig(Path.of(group.checkpoint().directory()));
    } catch (Exception e) {
      group.cells().forEach(cell -> out.output(SelectedCell.failed(cell, e)));
      return;
    }
    Map<String, int[][]> selected = new HashMap<>();
    for (Cell cell : group.cells()) {
      try {
        if (cell.method().equals(Cell.FULL)) {
          out.output(new SelectedCell(cell, null, null, null));
          continue;
        }
        long started = System.nanoTime();
        int[][] kept = selected.computeIfAbsent(selectionKey(cell), key -> group.task().isComposition()
            ? kept(Composition.of(config, Collections.nCopies(group.task().members().size(), null),
                SelectionMethod.RANDOM, cell.keepExperts(), cell.seed()).composed().restriction())
            : kept(ExpertSelector.random(config, cell.keepExperts(), cell.seed()).restriction()));
        emit(cell, kept, seconds(started), out);
      } catch (RuntimeException e) {
        out.output(SelectedCell.failed(cell, e));
      }
    }
  }

  private void calibrated(CellGroup group, OutputReceiver<SelectedCell> out) {
    try (WorkerModels.Lease lease = WorkerModels.borrow(group.checkpoint(), settings.idleModels())) {
      long started = System.nanoTime();
      // Calibrated cells all carry the sweep's first seed (their methods are deterministic given the sample).
      SweepTask task = group.task();
      List<ExpertSelector> selectors = new ArrayList<>();
      for (SweepTask member : task.isComposition() ? task.members() : List.of(task)) {
        List<PackedSequence> calibration = TaskData.calibrationRows(group.checkpoint(), member,
            group.calibrationDocs(), group.cells().get(0).seed(), lease.model().config().seqLen());
        ExpertSelector selector = new ExpertSelector(lease.model(), calibration, settings.batchSize());
        selector.unrestrictedStatistics();
        selectors.add(selector);
      }
      double shared = seconds(started);
      Map<String, int[][]> selected = new HashMap<>();
      for (Cell cell : group.cells()) {
        try {
          long own = System.nanoTime();
          SelectionMethod method = SelectionMethod.parse(cell.method());
          int[][] kept = selected.computeIfAbsent(selectionKey(cell), key -> task.isComposition()
              ? kept(Composition.of(lease.model().config(), selectors, method, cell.keepExperts(), cell.seed())
                  .composed().restriction())
              : kept(selectors.get(0).select(method, cell.keepExperts(), cell.seed()).restriction()));
          emit(cell, kept, shared + seconds(own), out);
        } catch (RuntimeException e) {
          out.output(SelectedCell.failed(cell, e));
        }
      }
    } catch (Exception e) {
      group.cells().forEach(cell -> out.output(SelectedCell.failed(cell, e)));
    }
  }

  /** The cell as one element, or a composed cell once per member. */
  private static void emit(Cell cell, int[][] kept, double seconds, OutputReceiver<SelectedCell> out) {
    if (!cell.task().isComposition()) {
      out.output(new SelectedCell(cell, kept, seconds, null));
      return;
    }
    for (SweepTask member : cell.task().members()) {
      out.output(new SelectedCell(cell, kept, seconds, null, member));
    }
  }

  /** What a selection depends on within a group: cells that differ only in fine-tune steps share it. */
  private static String selectionKey(Cell cell) {
    return cell.method() + "/" + cell.keepExperts() + "/" + cell.seed();
  }

  private static int[][] kept(ExpertRestriction restriction) {
    return IntStream.range(0, restriction.layers()).mapToObj(restriction::kept).toArray(int[][]::new);
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}

package org.emoflow.transforms.sweep;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.SelectionMethod;

/**
 * Chooses the kept experts of every cell of a group. A calibrated group measures the full model's routing
 * on its calibration set once ({@link ExpertSelector} keeps it) and every method and K of the group
 * selects from it; a failure fails the cells it touches, which go on as error rows.
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
    for (Cell cell : group.cells()) {
      try {
        if (cell.method().equals(Cell.FULL)) {
          out.output(new SelectedCell(cell, null, null, null));
          continue;
        }
        long started = System.nanoTime();
        ExpertRestriction restriction = ExpertSelector.random(config, cell.keepExperts(), cell.seed()).restriction();
        out.output(new SelectedCell(cell, kept(restriction), seconds(started), null));
      } catch (RuntimeException e) {
        out.output(SelectedCell.failed(cell, e));
      }
    }
  }

  private void calibrated(CellGroup group, OutputReceiver<SelectedCell> out) {
    try (WorkerModels.Lease lease = WorkerModels.borrow(group.checkpoint(), settings.idleModels())) {
      long started = System.nanoTime();
      // Calibrated cells all carry the sweep's first seed (their methods are deterministic given the sample).
      List<PackedSequence> calibration = TaskData.calibrationRows(group.checkpoint(), group.task(),
          group.calibrationDocs(), group.cells().get(0).seed(), lease.model().config().seqLen());
      ExpertSelector selector = new ExpertSelector(lease.model(), calibration, settings.batchSize());
      selector.unrestrictedStatistics();
      double shared = seconds(started);
      for (Cell cell : group.cells()) {
        try {
          long own = System.nanoTime();
          ExpertRestriction restriction =
              selector.select(SelectionMethod.parse(cell.method()), cell.keepExperts(), cell.seed()).restriction();
          out.output(new SelectedCell(cell, kept(restriction), shared + seconds(own), null));
        } catch (RuntimeException e) {
          out.output(SelectedCell.failed(cell, e));
        }
      }
    } catch (Exception e) {
      group.cells().forEach(cell -> out.output(SelectedCell.failed(cell, e)));
    }
  }

  private static int[][] kept(ExpertRestriction restriction) {
    return IntStream.range(0, restriction.layers()).mapToObj(restriction::kept).toArray(int[][]::new);
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}

package org.emoflow.transforms.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.CalibrationDocuments;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.transforms.TestPipelines;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SelectExpertsFn alone, on three groups of a tiny checkpoint: the kept experts are those the model code
 * selects when called directly, and a checkpoint that cannot be read fails its cells with the reason.
 */
class SelectExpertsFnTest {
  private static final SweepSettings SETTINGS = new SweepSettings("run-1", 4, 0, 0, 0, 1, false, 0, 0, 0, 0, 0, 3e-4, 8);
  private static final int CALIBRATION_DOCS = 2;

  @TempDir static Path directory;
  private static SweepCheckpoint checkpoint;

  @BeforeAll
  static void writeCheckpoint() throws IOException {
    checkpoint = TinySweepCheckpoint.write(directory);
  }

  private static int[][] kept(ExpertRestriction restriction) {
    return IntStream.range(0, restriction.layers()).mapToObj(restriction::kept).toArray(int[][]::new);
  }

  @Test
  void eachCellKeepsTheExpertsTheSelectorChoosesAndAnUnreadableCheckpointFailsItsCells() throws IOException {
    SweepTask task = SweepTask.domain("x-lm", TinySweepCheckpoint.X);
    Cell full = new Cell(checkpoint, task, Cell.FULL, null, 7, 8, 0);
    Cell random = new Cell(checkpoint, task, SelectionMethod.RANDOM.id(), null, 7, 4, 0);
    Cell layerwise = new Cell(checkpoint, task, SelectionMethod.LAYERWISE.id(), CALIBRATION_DOCS, 7, 4, 0);
    Cell frequency = new Cell(checkpoint, task, SelectionMethod.FREQUENCY.id(), CALIBRATION_DOCS, 7, 3, 0);
    Path missing = directory.resolve("missing");
    SweepCheckpoint unreadable = new SweepCheckpoint("gone", missing.toString(), "0", "emo", 0, 8, 2,
        checkpoint.dataDir());
    Cell lost = new Cell(unreadable, task, SelectionMethod.RANDOM.id(), null, 7, 4, 0);

    Map<String, int[][]> expected = new HashMap<>();
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(Path.of(checkpoint.directory()), manager)) {
      expected.put(random.id(), kept(ExpertSelector.random(model.config(), 4, 7).restriction()));
      List<PackedSequence> calibration = CalibrationDocuments.select(PreparedDataset.open(
          Path.of(checkpoint.dataDir())), PreparedDataset.TRAIN, TinySweepCheckpoint.X, CALIBRATION_DOCS, 7);
      ExpertSelector selector = new ExpertSelector(model, calibration, SETTINGS.batchSize());
      expected.put(layerwise.id(), kept(selector.select(SelectionMethod.LAYERWISE, 4, 7).restriction()));
      expected.put(frequency.id(), kept(selector.select(SelectionMethod.FREQUENCY, 3, 7).restriction()));
    }
    String lostError = "CorruptCheckpointException: " + missing + " has no config.json";

    Pipeline pipeline = TestPipelines.create();
    PCollection<SelectedCell> selected = pipeline
        .apply(Create.of(
                new CellGroup(checkpoint, task, false, null, List.of(full, random)),
                new CellGroup(checkpoint, task, true, CALIBRATION_DOCS, List.of(layerwise, frequency)),
                new CellGroup(unreadable, task, false, null, List.of(lost)))
            .withCoder(SerializableCoder.of(CellGroup.class)))
        .apply(ParDo.of(new SelectExpertsFn(SETTINGS)))
        .setCoder(SerializableCoder.of(SelectedCell.class));
    PAssert.that(selected).satisfies(cells -> {
      Map<String, SelectedCell> byId = new HashMap<>();
      cells.forEach(cell -> byId.put(cell.cell().id(), cell));
      assertEquals(5, byId.size(), "one selected cell per cell");
      SelectedCell fullModel = byId.get(full.id());
      assertNull(fullModel.kept(), "the full model keeps every expert");
      assertNull(fullModel.selectionSeconds());
      assertNull(fullModel.error());
      for (Cell cell : List.of(random, layerwise, frequency)) {
        SelectedCell chosen = byId.get(cell.id());
        assertNull(chosen.error(), cell.toString());
        assertArrayEquals(expected.get(cell.id()), chosen.kept(), cell.toString());
        assertNotNull(chosen.selectionSeconds(), cell.toString());
        assertTrue(chosen.selectionSeconds() >= 0, cell.toString());
      }
      assertEquals(new SelectedCell(lost, null, null, lostError), byId.get(lost.id()));
      return null;
    });
    TestPipelines.run(pipeline);
  }
}

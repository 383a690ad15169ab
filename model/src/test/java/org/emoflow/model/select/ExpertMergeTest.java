package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fine-tuned pruned model merged back into its full checkpoint: the full shape, the kept experts (and
 * router rows) bit-identical to the fine-tuned ones, every other expert bit-identical to the original.
 */
class ExpertMergeTest {
  private static final int SEQ_LEN = 16;
  private static final List<PackedSequence> CALIBRATION_A =
      List.of(TestBatches.row(SEQ_LEN, TestBatches.run(3, 9), TestBatches.run(40, 7)));
  private static final List<PackedSequence> CALIBRATION_B = List.of(TestBatches.row(SEQ_LEN, TestBatches.run(90, 14)));

  @TempDir Path directory;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void mergingWritesTheFineTunedKeptExpertsAndLeavesTheOthersBitIdentical() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 5);
    Path full = TestModels.saveCheckpoint(model, directory.resolve("full"));
    Selection selection = new ExpertSelector(model, CALIBRATION_A, 1).select(SelectionMethod.GLOBAL, 4, 0);
    Path pruned = directory.resolve("pruned");
    PrunedExport.write(full, selection, pruned);
    Path finetuned = perturbed(pruned, directory.resolve("finetuned"));
    int[][] kept = PrunedExport.readMetadata(pruned).keptRoutedExperts();

    Path experts = directory.resolve("merged-experts");
    Path all = directory.resolve("merged-all");
    try (ModelCheckpoint original = ModelCheckpoint.open(full, manager);
        ModelCheckpoint tuned = ModelCheckpoint.open(finetuned, manager)) {
      ExpertMerge.write(original, tuned, kept, ExpertMerge.Scope.EXPERTS, experts, manager);
      ExpertMerge.write(original, tuned, kept, ExpertMerge.Scope.ALL, all, manager);
      assertThrows(FileAlreadyExistsException.class,
          () -> ExpertMerge.write(original, tuned, kept, ExpertMerge.Scope.ALL, all, manager));
    }

    try (ModelCheckpoint original = ModelCheckpoint.open(full, manager);
        ModelCheckpoint tuned = ModelCheckpoint.open(finetuned, manager);
        ModelCheckpoint mergedExperts = ModelCheckpoint.open(experts, manager);
        ModelCheckpoint mergedAll = ModelCheckpoint.open(all, manager)) {
      assertEquals(original.config(), mergedExperts.config());
      assertEquals(original.parameters(), mergedExperts.parameters(), "shapes equal the full model's");
      int d = model.config().dModel();
      for (int layer = 0; layer < 2; layer++) {
        String moe = "blocks." + layer + ".moe.";
        float[] router = values(original, moe + "router.weight");
        float[] tunedRouter = values(tuned, moe + "router.weight");
        float[] mergedRouter = values(mergedExperts, moe + "router.weight");
        for (int expert = 0; expert < 7; expert++) {
          int keptIndex = Arrays.binarySearch(kept[layer], expert);
          for (String matrix : List.of("gate_proj", "up_proj", "down_proj")) {
            String name = moe + "experts." + expert + "." + matrix + ".weight";
            float[] expected = keptIndex >= 0
                ? values(tuned, moe + "experts." + keptIndex + "." + matrix + ".weight") : values(original, name);
            assertArrayEquals(expected, values(mergedExperts, name), name);
            assertArrayEquals(expected, values(mergedAll, name), name);
          }
          float[] expectedRow = keptIndex >= 0 ? TestModels.rows(tunedRouter, d, keptIndex, 1)
              : TestModels.rows(router, d, expert, 1);
          assertArrayEquals(expectedRow, TestModels.rows(mergedRouter, d, expert, 1), "router row " + expert);
        }
        String shared = moe + "shared_expert.down_proj.weight";
        assertArrayEquals(values(original, shared), values(mergedExperts, shared), "experts scope keeps the shared one");
        assertArrayEquals(values(tuned, shared), values(mergedAll, shared), "all scope takes the shared one");
      }
      assertArrayEquals(values(original, "lm_head.weight"), values(mergedExperts, "lm_head.weight"));
      assertArrayEquals(values(tuned, "lm_head.weight"), values(mergedAll, "lm_head.weight"));
      assertFalse(Arrays.equals(values(original, "lm_head.weight"), values(tuned, "lm_head.weight")));
    }
    assertEquals("experts", ExpertMerge.readMetadata(experts).scope());
  }

  @Test
  void aComposedExportKeepsTheUnionPaddedAndRecordsItsMembers() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 6);
    Path full = TestModels.saveCheckpoint(model, directory.resolve("full"));
    List<ExpertSelector> selectors =
        List.of(new ExpertSelector(model, CALIBRATION_A, 1), new ExpertSelector(model, CALIBRATION_B, 1));
    Composition composition = Composition.of(model.config(), selectors, SelectionMethod.FREQUENCY, 3, 0);
    for (int layer = 0; layer < 2; layer++) {
      int[] union = composition.union()[layer];
      for (Selection member : composition.members()) {
        for (int id : member.kept(layer)) {
          assertTrue(Arrays.binarySearch(union, id) >= 0, "layer " + layer + " keeps " + id);
        }
      }
      assertEquals(ExpertUnion.widest(composition.union()), composition.composed().kept(layer).length);
    }
    Path export = directory.resolve("composed");
    try (ModelCheckpoint source = ModelCheckpoint.open(full, manager)) {
      PrunedExport.write(source, composition, List.of("a", "b"), export, manager);
    }
    PruningMetadata metadata = PrunedExport.readMetadata(export);
    assertEquals(List.of("a", "b"), metadata.members());
    assertEquals(3, metadata.memberKeptExperts());
    assertEquals(composition.composedExperts(), metadata.keptExperts());
    assertEquals(model.config().withExperts(composition.composedExperts()), Checkpoints.readConfig(export));
  }

  private static float[] values(ModelCheckpoint checkpoint, String name) throws IOException {
    try (NDManager scratch = Compute.newManager(); NDArray tensor = checkpoint.tensor(name, scratch)) {
      return tensor.toFloatArray();
    }
  }

  /** Stands in for a fine-tune: every weight of the pruned model moved by an amount of its own. */
  private Path perturbed(Path pruned, Path target) throws IOException {
    try (LanguageModel model = Checkpoints.loadModel(pruned, manager)) {
      float shift = 0.001f;
      for (Parameters.Parameter p : model.parameters().all()) {
        p.array().addi(shift);
        shift += 0.001f;
      }
      return TestModels.saveCheckpoint(model, target);
    }
  }
}

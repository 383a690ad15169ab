package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A pruned checkpoint computes exactly what the restricted full model computes, and is smaller. */
class PrunedExportTest {
  private static final int SEQ_LEN = 16;
  private static final List<PackedSequence> CALIBRATION = List.of(
      TestBatches.row(SEQ_LEN, TestBatches.run(3, 9), TestBatches.run(40, 7)),
      TestBatches.row(SEQ_LEN, TestBatches.run(70, 12)));
  /** Several documents and domains, a split row's worth of padding. */
  private static final List<PackedSequence> HELD_OUT = List.of(
      TestBatches.row(SEQ_LEN, TestBatches.run(10, 5), TestBatches.run(80, 6), TestBatches.run(30, 5)),
      TestBatches.row(SEQ_LEN, TestBatches.run(50, 11), TestBatches.run(100, 3)));

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

  /**
   * EMO with a fixed pool agrees too: the restricted model's dropped experts have probability 0 and rank
   * below every kept one, so its pool is the top min(M, K-1) kept experts, which is the pool of the pruned
   * config (eval_pool clamped to K-1 by {@link ModelConfig#withExperts}); M = 6 exceeds K-1 = 4.
   */
  @ParameterizedTest
  @CsvSource({"STANDARD, 0", "EMO, 0", "EMO, 3", "EMO, 6"})
  void thePrunedCheckpointComputesWhatTheRestrictedModelComputes(RouterKind kind, int evalPool) throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(kind, SEQ_LEN).withEvalPool(evalPool), manager, 3);
    Selection selection = new ExpertSelector(model, CALIBRATION, 1).select(SelectionMethod.LAYERWISE, 5, 0);
    Path export = directory.resolve("pruned");
    PrunedExport.write(save(model), selection, export);

    try (LanguageModel pruned = Checkpoints.loadModel(export, manager)) {
      assertEquals(model.config().withExperts(5), pruned.config());
      PackedBatch batch = new PackedBatch(HELD_OUT);
      float[] restricted = Evaluator.targetLogProbabilities(model, batch, selection.restriction());
      assertTrue(TestModels.maxAbsDifference(restricted, Evaluator.targetLogProbabilities(model, batch, null)) > 1e-3,
          "the restriction changes the model's predictions");
      assertTrue(TestModels.maxAbsDifference(restricted, Evaluator.targetLogProbabilities(pruned, batch, null)) < 1e-5);
      Map<String, Evaluator.DomainLoss> restrictedLosses =
          Evaluator.evaluate(model, HELD_OUT, 1, selection.restriction(), null);
      Map<String, Evaluator.DomainLoss> prunedLosses = Evaluator.evaluate(pruned, HELD_OUT, 1, null, null);
      assertEquals(restrictedLosses.keySet(), prunedLosses.keySet());
      restrictedLosses.forEach((domain, loss) -> assertEquals(loss.loss(), prunedLosses.get(domain).loss(), 1e-5, domain));
    }
  }

  @Test
  void theExportHoldsTheKeptExpertsRenumberedWithItsProvenance() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 4);
    Path source = save(model);
    ExpertSelector selector = new ExpertSelector(model, CALIBRATION, 2);
    Selection selection = selector.select(SelectionMethod.OUTPUT, 4, 0);
    Path export = directory.resolve("pruned");
    PrunedExport.write(source, selection, export);

    PruningMetadata metadata = PrunedExport.readMetadata(export);
    assertEquals(SelectionMethod.OUTPUT, metadata.method());
    assertEquals(4, metadata.keptExperts());
    assertEquals(8, metadata.sourceExperts());
    assertEquals(selector.calibration(), metadata.calibration());
    assertEquals(Checksums.sha256(source.resolve(Checkpoints.MODEL)), metadata.sourceModelSha256());
    assertEquals(source.toAbsolutePath().toString(), metadata.sourceCheckpoint());
    try (LanguageModel pruned = Checkpoints.loadModel(export, manager)) {
      for (int layer = 0; layer < 2; layer++) {
        int[] kept = selection.kept(layer);
        assertArrayEquals(kept, metadata.keptRoutedExperts()[layer]);
        String moe = "blocks." + layer + ".moe.";
        float[] router = model.parameters().get(moe + "router.weight").toFloatArray();
        float[] prunedRouter = pruned.parameters().get(moe + "router.weight").toFloatArray();
        int d = model.config().dModel();
        for (int i = 0; i < kept.length; i++) {
          assertArrayEquals(TestModels.rows(router, d, kept[i], 1), TestModels.rows(prunedRouter, d, i, 1));
          for (String matrix : List.of("gate_proj", "up_proj", "down_proj")) {
            assertArrayEquals(weights(model, moe + "experts." + kept[i] + "." + matrix),
                weights(pruned, moe + "experts." + i + "." + matrix), moe + i + " " + matrix);
          }
        }
        assertArrayEquals(weights(model, moe + "shared_expert.down_proj"), weights(pruned, moe + "shared_expert.down_proj"));
      }
      assertArrayEquals(weights(model, "lm_head"), weights(pruned, "lm_head"));
    }
    assertThrows(FileAlreadyExistsException.class, () -> PrunedExport.write(source, selection, export));
  }

  @Test
  void theWeightsFileShrinksWithKAsTheParameterCountSays() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 5);
    Path source = save(model);
    ExpertSelector selector = new ExpertSelector(model, CALIBRATION, 2);
    long larger = Long.MAX_VALUE;
    for (int kept : new int[] {8, 5, 3}) {
      Path export = directory.resolve("k" + kept);
      PrunedExport.write(source, selector.select(SelectionMethod.RANDOM, kept, 1), export);
      Path weights = export.resolve(Checkpoints.MODEL);
      long size = Files.size(weights);
      long header = headerBytes(weights);
      assertEquals(8 + header + model.config().withExperts(kept).parameterCount() * Float.BYTES, size, "K = " + kept);
      assertTrue(header < 8192, "the header is a small index, " + header + " bytes");
      assertTrue(size < larger, "K = " + kept + " is smaller than the export with more experts");
      larger = size;
    }
  }

  @Test
  void aSelectionThatDoesNotFitTheCheckpointIsRefused() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 6);
    Path source = save(model);
    ExpertRestriction onlyLayerZero = ExpertRestriction.none(2).with(0, new int[] {1, 2, 5});
    IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> PrunedExport.write(source,
        new Selection(SelectionMethod.GLOBAL, 4, onlyLayerZero, null, null), directory.resolve("partial")));
    assertTrue(partial.getMessage().contains("layer 1 must keep 3"), partial.getMessage());
    IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> PrunedExport.write(source,
        new Selection(SelectionMethod.GLOBAL, 9, onlyLayerZero, null, null), directory.resolve("many")));
    assertTrue(tooMany.getMessage().contains("the model has 8"), tooMany.getMessage());
    assertTrue(Files.notExists(directory.resolve("partial")) && Files.notExists(directory.resolve("many")));
  }

  private Path save(LanguageModel model) throws IOException {
    return TestModels.saveCheckpoint(model, directory.resolve("source"));
  }

  private static float[] weights(LanguageModel model, String name) {
    return model.parameters().get(name + ".weight").toFloatArray();
  }

  private static long headerBytes(Path safetensors) throws IOException {
    try (FileChannel channel = FileChannel.open(safetensors)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(length, 0);
      return length.getLong(0);
    }
  }
}

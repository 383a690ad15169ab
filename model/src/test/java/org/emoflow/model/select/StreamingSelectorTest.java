package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.HuggingFaceExport;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Selection layer by layer from a checkpoint chooses what the whole loaded model chooses, and the pruned
 * checkpoints written from either choice are the same bytes.
 */
class StreamingSelectorTest {
  private static final int SEQ_LEN = 16;
  /** Three rows in batches of two: a full batch and a short one; several documents, padding. */
  private static final List<PackedSequence> CALIBRATION = List.of(
      TestBatches.row(SEQ_LEN, TestBatches.run(3, 9), TestBatches.run(40, 7)),
      TestBatches.row(SEQ_LEN, TestBatches.run(70, 12)),
      TestBatches.row(SEQ_LEN, TestBatches.run(20, 5), TestBatches.run(95, 6), TestBatches.run(110, 4)));
  private static final int BATCH = 2;
  private static final int KEEP = 4;

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

  @ParameterizedTest
  @CsvSource({"STANDARD, 0", "EMO, 0", "EMO, 3"})
  void everyMethodKeepsWhatTheWholeModelKeepsAndPrunesToTheSameBytes(RouterKind kind, int evalPool)
      throws IOException {
    ModelConfig config = TestModels.tiny(kind, SEQ_LEN).withEvalPool(evalPool);
    Path source = save(new LanguageModel(config, manager, 11), "source");
    for (SelectionMethod method : SelectionMethod.values()) {
      assertSameChoiceAndExport(source, method, method.id());
    }
  }

  /** A Hugging Face directory (the router's last row is the shared expert's, dropped on reading) too. */
  @Test
  void aHuggingFaceDirectoryGivesTheSameChoice() throws IOException {
    Path emoflow = save(new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 12), "source");
    Path hf = directory.resolve("hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(emoflow, manager)) {
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 20_000, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    assertEquals(ModelCheckpoint.Layout.HUGGING_FACE, ModelCheckpoint.layoutOf(hf));
    for (SelectionMethod method : List.of(SelectionMethod.LAYERWISE, SelectionMethod.OUTPUT)) {
      assertSameChoiceAndExport(hf, method, "hf-" + method.id());
    }
  }

  /**
   * On {@link ExpertSelectorTest}'s hand-routed model the criteria disagree, and layerwise differs from
   * global in layer 1 only because layer 0 is restricted first: streaming restricts before it moves on.
   */
  @Test
  void layerwiseSeesTheEarlierLayersRestricted() throws IOException {
    LanguageModel crafted = new CraftedModel(manager)
        .channel(0, 64, 0).channel(64, 128, 1)
        .routerLogits(0, 0, 3.2, 3.0, 0, 0, 0, 0, 2.6)
        .routerLogits(0, 1, 0, 0, 3.0, 2.9, 0, 0, 2.6)
        .expertWrites(0, 0, 2, 1).expertWrites(0, 1, 2, 1).expertWrites(0, 6, 2, 1)
        .expertWrites(0, 2, 3, 1).expertWrites(0, 3, 3, 4)
        .routerLogits(1, 2, 1, 1, 0, 0, 0, 0, 0)
        .routerLogits(1, 3, 0, 0, 0, 0, 5, 5, 0)
        .model();
    List<PackedSequence> rows = List.of(
        TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(2, 9), TestBatches.run(70, 7)),
        TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(20, 9), TestBatches.run(90, 7)));
    Path source = save(crafted, "crafted");
    int[][][] expected = {{{0, 6}, {0, 1}}, {{0, 6}, {4, 5}}, {{0, 1}, {0, 1}}, {{0, 3}, {0, 1}}};
    SelectionMethod[] methods =
        {SelectionMethod.LAYERWISE, SelectionMethod.GLOBAL, SelectionMethod.FREQUENCY, SelectionMethod.OUTPUT};
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
      for (int m = 0; m < methods.length; m++) {
        Selection selection = StreamingSelector.select(checkpoint, rows, 1, methods[m], 3, 0, manager);
        for (int layer = 0; layer < 2; layer++) {
          assertArrayEquals(expected[m][layer], selection.kept(layer), methods[m] + " layer " + layer);
        }
      }
    }
  }

  @Test
  void impossibleChoicesAreRefusedAsTheWholeModelSelectorRefusesThem() throws IOException {
    Path moe = save(new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 13), "moe");
    Path dense = save(new LanguageModel(TestModels.tiny(RouterKind.DENSE, SEQ_LEN), manager, 13), "dense");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(moe, manager);
        ModelCheckpoint denseCheckpoint = ModelCheckpoint.open(dense, manager)) {
      assertMessage(() -> StreamingSelector.select(checkpoint, List.of(), 1, SelectionMethod.GLOBAL, 3, 0, manager),
          "no calibration rows");
      assertMessage(() -> StreamingSelector.select(checkpoint, CALIBRATION, 1, SelectionMethod.GLOBAL, 9, 0, manager),
          "the model has 8");
      assertMessage(() -> StreamingSelector.select(checkpoint, CALIBRATION, 0, SelectionMethod.OUTPUT, 3, 0, manager),
          "batch size must be positive");
      assertMessage(() -> StreamingSelector.select(denseCheckpoint, CALIBRATION, 1, SelectionMethod.LAYERWISE, 3, 0,
          manager), "dense model");
    }
  }

  /** The whole model loaded and {@link ExpertSelector}, as prune did, against {@link StreamingSelector}. */
  private void assertSameChoiceAndExport(Path source, SelectionMethod method, String name) throws IOException {
    Path whole = directory.resolve(name + "-whole");
    Path streamed = directory.resolve(name + "-streamed");
    Selection expected;
    Selection actual;
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
      try (LanguageModel model = checkpoint.load(manager)) {
        expected = new ExpertSelector(model, CALIBRATION, BATCH).select(method, KEEP, 5);
      }
      actual = StreamingSelector.select(checkpoint, CALIBRATION, BATCH, method, KEEP, 5, manager);
      PrunedExport.write(checkpoint, expected, whole, manager);
      PrunedExport.write(checkpoint, actual, streamed, manager);
    }
    for (int layer = 0; layer < 2; layer++) {
      assertArrayEquals(expected.kept(layer), actual.kept(layer), method + " layer " + layer);
    }
    assertEquals(expected.calibration(), actual.calibration(), method.id());
    assertEquals(expected.randomSeed(), actual.randomSeed(), method.id());
    try (var files = Files.list(whole)) {
      List<String> names = files.map(file -> file.getFileName().toString()).sorted().toList();
      assertEquals(List.of(Checkpoints.CHECKSUMS, Checkpoints.CONFIG, Checkpoints.MODEL, PrunedExport.METADATA), names);
      for (String file : names) {
        assertEquals(-1, Files.mismatch(whole.resolve(file), streamed.resolve(file)), method + ": " + file);
      }
    }
  }

  private Path save(LanguageModel model, String name) throws IOException {
    Path target = TestModels.saveCheckpoint(model, directory.resolve(name));
    model.close();
    return target;
  }

  private static void assertMessage(Executable action, String expected) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, action);
    assertTrue(refused.getMessage().contains(expected), refused.getMessage());
  }
}

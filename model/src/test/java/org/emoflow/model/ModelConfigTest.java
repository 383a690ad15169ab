package org.emoflow.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelConfigTest {
  private static final ModelConfig TINY = TestModels.tiny(RouterKind.EMO, 16);

  @Test
  void topKMustStayBelowTheExperts() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new ModelConfig(
        128, 32, 2, 2, 8, 8, 32, 16, RouterKind.STANDARD, 3, 7, 0, 0.05, 1e-3, 10_000, true, 1e-6, 0.02));
    assertEquals("top_k (8) must be at least 1 and below experts (8, the shared one included)", refused.getMessage());
  }

  @Test
  void thePoolMustHoldAtLeastTopKExperts() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TINY.withPool(1, 7));
    assertEquals("pool_min (1) must be at least top_k (2)", refused.getMessage());
  }

  @Test
  void poolsMustFitInTheRoutedExperts() {
    IllegalArgumentException poolMax = assertThrows(IllegalArgumentException.class, () -> TINY.withPool(3, 1000));
    assertEquals("pool_max (1000) must be at most the routed experts (7: experts 8 less the shared one)",
        poolMax.getMessage());
    IllegalArgumentException evalPool = assertThrows(IllegalArgumentException.class, () -> TINY.withEvalPool(8));
    assertEquals("eval_pool (8) must be 0 (no pool) or from top_k (2) to the routed experts (7)",
        evalPool.getMessage());
    assertEquals(7, TINY.withPool(7, 7).withEvalPool(7).poolMax(), "a pool of every routed expert is allowed");
  }

  @Test
  void aPrunedConfigClampsItsPoolsToTheExpertsItKeeps() {
    ModelConfig pruned = TINY.withPool(3, 7).withEvalPool(6).withExperts(4);
    assertEquals(List.of(3, 3, 3), List.of(pruned.poolMin(), pruned.poolMax(), pruned.evalPool()));
    ModelConfig noPool = TINY.withEvalPool(0).withExperts(5);
    assertEquals(List.of(3, 4, 0), List.of(noPool.poolMin(), noPool.poolMax(), noPool.evalPool()));
  }

  @Test
  void jsonRoundTripsWithSnakeCaseKeys() throws IOException {
    String json = TINY.toJson();
    assertEquals(TINY, ModelConfig.fromJson(json));
    assertTrue(json.contains("\"top_k\" : 2"), json);
    assertTrue(json.contains("\"router\" : \"emo\""), json);
    assertTrue(json.contains("\"intra_document_mask\" : true"), json);
    assertEquals(ModelConfig.class.getRecordComponents().length, new ObjectMapper().readTree(json).size(),
        "config.json holds the settings and nothing else: " + json);
  }

  /** The presets by name are the positional values they were written as before. */
  @Test
  void presetsAreUnchangedByTheBuilder() {
    assertEquals(new ModelConfig(128, 32, 2, 2, 8, 2, 32, 16, RouterKind.EMO, 3, 7, 0, 0.05, 1e-3, 10_000, true,
        1e-6, 0.02), ModelConfig.preset("tiny", 100, 16, RouterKind.EMO));
    assertEquals(new ModelConfig(256, 128, 4, 4, 32, 3, 256, 64, RouterKind.STANDARD, 4, 31, 0, 0.05, 1e-3, 10_000,
        true, 1e-6, 0.02), ModelConfig.preset("small", 129, 64, RouterKind.STANDARD));
    assertEquals(new ModelConfig(100_352, 2048, 16, 16, 128, 7, 1024, 4096, RouterKind.EMO, 8, 127, 32, 0.1, 1e-3,
        500_000, true, 1e-6, 0.02), ModelConfig.preset("Paper", 100_278, 4096, RouterKind.EMO));
  }

  @Test
  void withMethodsChangeOnlyTheirSettings() {
    ModelConfig changed = TINY.withRouter(RouterKind.DENSE).withLossWeights(0.5, 0.25).withIntraDocumentMask(false);
    assertEquals(TINY, changed.toBuilder().router(RouterKind.EMO).lbWeight(0.05).zLossWeight(1e-3)
        .intraDocumentMask(true).build());
    assertEquals(List.of(0.5, 0.25), List.of(changed.lbWeight(), changed.zLossWeight()));
  }

  @Test
  void aBuilderWithoutTheShapeIsRefused() {
    assertEquals("router must be set", assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder().vocabSize(128).build()).getMessage());
    assertEquals("d_model, layers and heads must be positive", assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.builder().vocabSize(128).router(RouterKind.DENSE).build()).getMessage());
  }

  @Test
  void vocabularyIsPaddedToAMultipleOf128() {
    assertEquals(100_352, ModelConfig.padVocab(100_278));
    assertEquals(128, ModelConfig.padVocab(128));
    assertEquals(256, ModelConfig.padVocab(129));
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void parameterCountMatchesTheBuiltModel(RouterKind kind) {
    ModelConfig config = TestModels.tiny(kind, 16);
    try (NDManager manager = Compute.newManager(); LanguageModel model = new LanguageModel(config, manager, 0)) {
      assertEquals(config.parameterCount(), model.parameters().count());
    }
  }

  @Test
  void activeParametersCountTheSharedAndTopKExperts() {
    long perExpert = 3L * 32 * 32;
    assertEquals(TINY.parameterCount() - 2L * (7 - 2) * perExpert, TINY.activeParameterCount());
  }
}

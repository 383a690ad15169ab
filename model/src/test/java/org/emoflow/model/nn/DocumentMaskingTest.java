package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Intra-document attention and per-segment rotary positions (spec sections 4 and 9): a document's logits
 * depend on its own tokens only. EMO runs with a pool smaller than the routed experts, so the per-document
 * pool is part of what must stay local.
 */
class DocumentMaskingTest {
  private static final int LENGTH = 16;
  private static final double SAME = 1e-5;
  /** A real difference, far above float32 noise. */
  private static final double DIFFERENT = 1e-3;
  private static final int[] FIRST = TestBatches.run(10, 6);
  private static final int[] FIRST_CHANGED = TestBatches.run(40, 6);
  private static final int[] SECOND = TestBatches.run(70, 7);
  private static final int[] THIRD = TestBatches.run(90, 5);

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
  @EnumSource(value = RouterKind.class, names = {"STANDARD", "EMO"})
  void changingOneDocumentLeavesTheNextDocumentsLogitsUnchanged(RouterKind kind) {
    float[][] logits = secondDocumentAfterFirstAndAfterChangedFirst(TestModels.tiny(kind, LENGTH));
    assertTrue(TestModels.maxAbsDifference(logits[0], logits[1]) <= SAME);
  }

  @Test
  void withoutTheMaskChangingOneDocumentChangesTheNext() {
    ModelConfig unmasked = TestModels.tiny(RouterKind.EMO, LENGTH).withIntraDocumentMask(false);
    float[][] logits = secondDocumentAfterFirstAndAfterChangedFirst(unmasked);
    assertTrue(TestModels.maxAbsDifference(logits[0], logits[1]) > DIFFERENT);
  }

  @ParameterizedTest
  @EnumSource(value = RouterKind.class, names = {"STANDARD", "EMO"})
  void aDocumentsLogitsDoNotDependOnWhereItIsPacked(RouterKind kind) {
    ModelConfig config = TestModels.tiny(kind, LENGTH);
    // SECOND opens row 0 and follows FIRST in row 1 (at positions 6..12, then padding).
    PackedBatch batch = new PackedBatch(List.of(
        TestBatches.row(LENGTH, SECOND, THIRD), TestBatches.row(LENGTH, FIRST, SECOND)));
    float[] logits = logits(config, batch);
    int vocab = config.vocabSize();
    float[] atStart = TestModels.rows(logits, vocab, 0, SECOND.length);
    float[] afterAnother = TestModels.rows(logits, vocab, LENGTH + FIRST.length, SECOND.length);
    assertTrue(TestModels.maxAbsDifference(atStart, afterAnother) <= SAME);
  }

  /** SECOND's logits in [FIRST, SECOND] and in [FIRST_CHANGED, SECOND], one batch of two rows. */
  private float[][] secondDocumentAfterFirstAndAfterChangedFirst(ModelConfig config) {
    PackedSequence original = TestBatches.row(LENGTH, FIRST, SECOND);
    PackedSequence changed = TestBatches.row(LENGTH, FIRST_CHANGED, SECOND);
    float[] logits = logits(config, new PackedBatch(List.of(original, changed)));
    int vocab = config.vocabSize();
    float[] firstRow = TestModels.rows(logits, vocab, FIRST.length, SECOND.length);
    float[] secondRow = TestModels.rows(logits, vocab, LENGTH + FIRST.length, SECOND.length);
    assertTrue(TestModels.maxAbsDifference(TestModels.rows(logits, vocab, 0, FIRST.length),
        TestModels.rows(logits, vocab, LENGTH, FIRST.length)) > DIFFERENT, "the changed document's own logits change");
    return new float[][] {firstRow, secondRow};
  }

  private float[] logits(ModelConfig config, PackedBatch batch) {
    try (LanguageModel model = new LanguageModel(config, manager, 31)) {
      PoolSizes pools = config.router() == RouterKind.EMO ? PoolSizes.fixed(config, batch.segments, 3) : null;
      return TestModels.logits(model, batch, pools);
    }
  }
}

package org.emoflow.pipelines.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.junit.jupiter.api.Test;

/** The FLOP count against the tiny preset's shapes worked out by hand (d=32, 2 layers, E=8, k=2, h=32). */
class TrainingFlopsTest {
  private static final int VOCAB = 4096;
  private static final int SEQ_LEN = 64;
  /** Per token and layer, forward: QK^T and AV over 64 positions at d=32; x3 for forward and backward. */
  private static final double ATTENTION = 3 * (2.0 * 64 * 32 + 2.0 * 64 * 32);

  @Test
  void moeCountsTheSharedAndTopKExpertsTheRouterAndTheHead() {
    ModelConfig tiny = ModelConfig.preset("tiny", VOCAB, SEQ_LEN, RouterKind.EMO);
    // q, k, v, o: 4 x 32 x 32; shared + 2 routed SwiGLU experts: 3 x (3 x 32 x 32); router: 7 x 32.
    long perLayer = 4096 + 9216 + 224;
    long matmul = 2 * perLayer + (long) VOCAB * 32;
    assertEquals(matmul, TrainingFlops.matmulParameters(tiny));
    assertEquals(6.0 * matmul + 2 * ATTENTION, TrainingFlops.perToken(tiny));
    assertEquals(998_016.0 * 4 * SEQ_LEN, TrainingFlops.perStep(tiny, 4));
  }

  @Test
  void denseCountsOneFeedForwardOfTheActiveSize() {
    ModelConfig tiny = ModelConfig.preset("tiny", VOCAB, SEQ_LEN, RouterKind.DENSE);
    // SwiGLU of hidden 3 x 32 (top-k plus shared), no router.
    long matmul = 2 * (4096 + 3 * 32 * 96) + (long) VOCAB * 32;
    assertEquals(6.0 * matmul + 2 * ATTENTION, TrainingFlops.perToken(tiny));
  }
}

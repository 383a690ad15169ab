package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.TestBatches;
import org.emoflow.model.data.PackedBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchTensorsTest {
  /** Documents of 2 and 3 tokens, then 1 padding token. */
  private static final PackedBatch BATCH =
      new PackedBatch(List.of(TestBatches.row(6, TestBatches.run(5, 2), TestBatches.run(9, 3))));

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void attentionIsCausalAndWithTheMaskStaysInsideTheSegment(boolean intraDocument) {
    // allowed[query][key]; without the mask only causality remains.
    int[][] allowed = intraDocument
        ? new int[][] {
          {1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0},
          {0, 0, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 0}, {0, 0, 0, 0, 0, 1}}
        : new int[][] {
          {1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 0},
          {1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}};
    float[] expected = new float[36];
    for (int q = 0; q < 6; q++) {
      for (int k = 0; k < 6; k++) {
        expected[q * 6 + k] = allowed[q][k] == 1 ? 0f : BatchTensors.MASKED;
      }
    }
    try (NDManager manager = Compute.newManager()) {
      BatchTensors tensors = new BatchTensors(BATCH, manager, intraDocument);
      assertArrayEquals(expected, tensors.attentionMask.toFloatArray());
      assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1},
          tensors.segmentMembership.toFloatArray());
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 0}, tensors.realToken.toFloatArray());
    }
  }
}

package org.emoflow.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.emoflow.model.Compute;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestDatasets;
import org.emoflow.model.TestModels;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One domain's documents picked out of packed rows: the same pieces, scoring as they did in place. */
class DomainRowsTest {
  private static final int SEQ_LEN = 24;

  @TempDir Path dir;

  /** "docId@offset:tokens" of every segment of the domain, in order. */
  private static List<String> pieces(List<PackedSequence> rows, String domain) {
    List<String> pieces = new ArrayList<>();
    for (PackedSequence row : rows) {
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++) {
        int end = start + row.segmentLengths()[s];
        if (row.domains()[s].equals(domain)) {
          pieces.add(row.docIds()[s] + "@" + row.docOffsets()[s] + ":"
              + Arrays.toString(Arrays.copyOfRange(row.tokens(), start, end)));
        }
        start = end;
      }
    }
    return pieces;
  }

  @Test
  void aDomainsPiecesAreReLaidOutAndScoreAsInTheirOriginalRows() throws IOException {
    PreparedDataset data = TestDatasets.synthetic(dir, SEQ_LEN, 30, 16, 11);
    List<PackedSequence> inPlace = data.read(PreparedDataset.VALIDATION, Integer.MAX_VALUE);
    List<PackedSequence> count = data.domainRows(PreparedDataset.VALIDATION, TestDatasets.COUNT, 0);
    assertEquals(pieces(inPlace, TestDatasets.COUNT), pieces(count, TestDatasets.COUNT));
    assertTrue(count.stream().allMatch(row -> Arrays.stream(row.domains()).allMatch(TestDatasets.COUNT::equals)));
    assertTrue(count.size() < inPlace.size(), "the other domain's tokens are not carried along");

    // EMO with an evaluation pool: pools are per segment, so they move with their pieces too.
    try (NDManager manager = Compute.newManager();
        LanguageModel model = new LanguageModel(
            TestModels.tiny(RouterKind.EMO, SEQ_LEN).withEvalPool(3), manager, 5)) {
      Evaluator.DomainLoss expected = Evaluator.evaluate(model, inPlace, 4, null, null).get(TestDatasets.COUNT);
      Evaluator.DomainLoss actual = Evaluator.evaluate(model, count, 4, null, null).get(TestDatasets.COUNT);
      assertEquals(expected.tokens(), actual.tokens());
      assertEquals(expected.nats(), actual.nats(), 1e-5 * expected.nats());
    }
  }

  @Test
  void aLimitKeepsTheFirstDocumentsWhole() throws IOException {
    PreparedDataset data = TestDatasets.synthetic(dir, SEQ_LEN, 30, 16, 12);
    List<PackedSequence> all = data.read(PreparedDataset.TRAIN, Integer.MAX_VALUE);
    Set<String> firstThree = new LinkedHashSet<>();
    for (String piece : pieces(all, TestDatasets.STRIDE)) {
      if (firstThree.size() < 3 || firstThree.contains(piece.substring(0, piece.indexOf('@')))) {
        firstThree.add(piece.substring(0, piece.indexOf('@')));
      }
    }
    List<String> expected = pieces(all, TestDatasets.STRIDE).stream()
        .filter(piece -> firstThree.contains(piece.substring(0, piece.indexOf('@')))).toList();
    assertEquals(expected, pieces(data.domainRows(PreparedDataset.TRAIN, TestDatasets.STRIDE, 3), TestDatasets.STRIDE));
  }
}

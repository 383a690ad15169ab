package org.emoflow.transforms.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.TestPipelines;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EvaluateCellFn alone, on four selected cells of a tiny checkpoint: a restricted and a full LM cell score
 * what {@link Evaluator} gives when called directly; a failed selection and a domain without validation
 * documents become error rows; only the restricted cell writes its kept experts.
 */
class EvaluateCellFnTest {
  private static final SweepSettings SETTINGS = new SweepSettings("run-1", 4, 0, 0, 0, 1, false, 0, 0, 0, 0, 0, 3e-4, 8);
  /** Three routed experts a layer besides the shared one: K = 4 of 8. */
  private static final int[][] KEPT = {{0, 2, 5}, {1, 3, 6}};
  /**
   * Tiny preset over r50k_base: embeddings 2 x 50,304 x 32 + final norm 32, and per layer attention
   * 4 x 32 x 32 + norms 2 x 32 + E experts of 3 x 32 x 32 plus a router of (E - 1) x 32.
   */
  private static final long FULL_PARAMETERS = 3_219_456 + 32 + 2 * (4_096 + 64 + 8 * 3_072 + 7 * 32);
  private static final long PARAMETERS_OF_4 = 3_219_456 + 32 + 2 * (4_096 + 64 + 4 * 3_072 + 3 * 32);

  @TempDir static Path directory;
  private static SweepCheckpoint checkpoint;

  @BeforeAll
  static void writeCheckpoint() throws IOException {
    checkpoint = TinySweepCheckpoint.write(directory);
  }

  @Test
  void scoresEachCellAsTheEvaluatorDoesAndTurnsFailuresIntoErrorRows() throws IOException {
    SweepTask x = SweepTask.domain("x-lm", TinySweepCheckpoint.X);
    SweepTask y = SweepTask.domain("y-lm", TinySweepCheckpoint.Y);
    SweepTask z = SweepTask.domain("z-lm", "z");
    Cell restricted = new Cell(checkpoint, x, "layerwise", 2, 7, 4, 0);
    Cell full = new Cell(checkpoint, y, Cell.FULL, null, 7, 8, 0);
    Cell unselected = new Cell(checkpoint, x, "random", null, 7, 4, 0);
    Cell empty = new Cell(checkpoint, z, Cell.FULL, null, 7, 8, 0);

    Evaluator.DomainLoss restrictedLoss;
    Evaluator.DomainLoss fullLoss;
    PreparedDataset data = PreparedDataset.open(Path.of(checkpoint.dataDir()));
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(Path.of(checkpoint.directory()), manager);
        TextTokenizer tokenizer = data.openTokenizer()) {
      assertEquals(FULL_PARAMETERS, model.config().parameterCount());
      int[] tokenBytes = tokenizer.tokenByteLengths();
      restrictedLoss = Evaluator.evaluate(model, data.domainRows(PreparedDataset.VALIDATION, x.domain(), 0),
          SETTINGS.batchSize(), new ExpertRestriction(KEPT), tokenBytes).get(x.domain());
      fullLoss = Evaluator.evaluate(model, data.domainRows(PreparedDataset.VALIDATION, y.domain(), 0),
          SETTINGS.batchSize(), null, tokenBytes).get(y.domain());
    }
    Map<String, SweepResult> expected = new TreeMap<>(Map.of(
        restricted.id(), expected(restricted, 0.5, restrictedLoss, PARAMETERS_OF_4, null),
        full.id(), expected(full, null, fullLoss, FULL_PARAMETERS, null),
        unselected.id(), expected(unselected, null, null, null, "IllegalStateException: no subset"),
        empty.id(), expected(empty, null, null, null,
            "IllegalStateException: no scored tokens of domain 'z' to evaluate")));

    Pipeline pipeline = TestPipelines.create();
    PCollectionTuple evaluated = pipeline
        .apply(Create.of(
                new SelectedCell(restricted, KEPT, 0.5, null),
                new SelectedCell(full, null, null, null),
                new SelectedCell(unselected, null, null, "IllegalStateException: no subset"),
                new SelectedCell(empty, null, null, null))
            .withCoder(SerializableCoder.of(SelectedCell.class)))
        .apply(ParDo.of(new EvaluateCellFn(SETTINGS))
            .withOutputTags(EvaluateCellFn.RESULTS, TupleTagList.of(EvaluateCellFn.KEPT)));
    evaluated.get(EvaluateCellFn.KEPT).setCoder(AvroCoder.of(KeptExperts.class));
    PAssert.that(evaluated.get(EvaluateCellFn.RESULTS).setCoder(AvroCoder.of(SweepResult.class))).satisfies(rows -> {
      Map<String, SweepResult> byCell = new TreeMap<>();
      for (SweepResult row : rows) {
        assertTrue(row.getEvalSeconds() == null || row.getEvalSeconds() >= 0, row.toString());
        // The clock's columns: when the row was made and how long evaluating took.
        byCell.put(row.getCellId(), SweepResult.newBuilder(row).setCreatedAt(Instant.EPOCH)
            .setEvalSeconds(row.getEvalSeconds() == null ? null : 0.0).build());
      }
      assertEquals(expected, byCell);
      return null;
    });
    PAssert.that(evaluated.get(EvaluateCellFn.KEPT)).containsInAnyOrder(
        new KeptExperts("run-1", restricted.id(), 0, List.of(0, 2, 5)),
        new KeptExperts("run-1", restricted.id(), 1, List.of(1, 3, 6)));
    TestPipelines.run(pipeline);
  }

  /** The row of an LM cell of the tiny checkpoint; {@code loss} null for one that failed. */
  private static SweepResult expected(Cell cell, Double selectionSeconds, Evaluator.DomainLoss loss, Long paramsKept,
      String error) {
    boolean ok = loss != null;
    return SweepResult.newBuilder()
        .setRunId("run-1")
        .setCellId(cell.id())
        .setCheckpoint("tiny")
        .setRouter("emo")
        .setTrainStep(0)
        .setTask(cell.task().name())
        .setTaskKind(SweepTask.LM)
        .setMethod(cell.method())
        .setCalibrationDocs(cell.calibrationDocs())
        .setSeed(7)
        .setExpertsTotal(8)
        .setKeepExperts(cell.keepExperts())
        .setKeepFraction(cell.keepExperts() / 8.0)
        .setLoss(ok ? loss.loss() : null)
        .setBitsPerByte(ok ? loss.bitsPerByte() : null)
        .setAccuracy(null)
        .setAccuracyPerByte(null)
        .setExactMatch(null)
        .setGeneratedTokens(null)
        .setEvalTokens(ok ? loss.tokens() : null)
        .setEvalBytes(ok ? loss.bytes() : null)
        .setParamsKept(paramsKept)
        .setCheckpointBytesKept(ok ? paramsKept * Float.BYTES : null)
        .setSelectionSeconds(selectionSeconds)
        .setEvalSeconds(ok ? 0.0 : null)
        .setError(error)
        .setCreatedAt(Instant.EPOCH)
        .setFinetuneSteps(0)
        .build();
  }
}

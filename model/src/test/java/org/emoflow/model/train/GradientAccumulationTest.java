package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestDatasets;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two micro-batches of 8 rows give the same optimizer step as one micro-batch of 16: the cross-entropy is
 * divided by the step's scored tokens and the load-balancing f by the step's global expert counts, so the
 * accumulated gradients are the global-batch gradients. EMO is left out on purpose: its pool sizes are
 * drawn per micro-batch, so splitting a batch differently draws other pools.
 */
class GradientAccumulationTest {
  private static final int SEQ_LEN = 32;
  private static final int BATCH = 16;
  private static final double TOLERANCE = 1e-5;

  @TempDir static Path directory;
  private static PreparedDataset data;
  private static List<PackedSequence> rows;

  @BeforeAll
  static void writeData() throws IOException {
    data = TestDatasets.synthetic(directory.resolve("data"), SEQ_LEN, BATCH, 1, 3);
    rows = data.read(PreparedDataset.TRAIN, BATCH);
  }

  /** What one step leaves behind: its measurements, the first moments ((1 - beta1) x the clipped gradient), the weights. */
  private record Outcome(StepResult result, Map<String, float[]> firstMoments, Map<String, float[]> weights) {}

  @ParameterizedTest
  @EnumSource(value = RouterKind.class, names = {"STANDARD", "DENSE"})
  void twoMicroBatchesOfEightMatchOneOfSixteen(RouterKind kind) {
    ModelConfig model = TestModels.tiny(kind, SEQ_LEN);
    Outcome whole = step(model, BATCH);
    Outcome split = step(model, BATCH / 2);

    assertEquals(whole.result().loss(), split.result().loss(), TOLERANCE);
    assertEquals(whole.result().gradNorm(), split.result().gradNorm(), TOLERANCE * whole.result().gradNorm());
    assertEquals(whole.result().totalLoss(), split.result().totalLoss(), TOLERANCE);
    if (kind.isMoe()) {
      assertEquals(whole.result().lbLoss(), split.result().lbLoss(), TOLERANCE);
      assertEquals(whole.result().zLoss(), split.result().zLoss(), TOLERANCE);
    }
    for (String name : whole.firstMoments().keySet()) {
      float[] expected = whole.firstMoments().get(name);
      float[] actual = split.firstMoments().get(name);
      double scale = maxAbs(expected);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], TOLERANCE * scale, name + "[" + i + "]");
      }
    }
    for (String name : whole.weights().keySet()) {
      assertArrayEquals(whole.weights().get(name), split.weights().get(name), (float) TOLERANCE, name);
    }
  }

  private static Outcome step(ModelConfig model, int microBatch) {
    TrainConfig train = TrainConfig.builder(10, 5).batchSize(BATCH).microBatchSize(microBatch).learningRate(1e-3)
        .warmupSteps(0).evalInterval(0).evalSequences(0).checkpointInterval(10).keepCheckpoints(1).shuffleWindow(16)
        .logInterval(1).build();
    try (NDManager manager = Compute.newManager(); LanguageModel language = new LanguageModel(model, manager, 5)) {
      AdamW optimizer = new AdamW(language.parameters(), train);
      int arraysBefore = manager.getManagedArrays().size();
      StepResult result = new Trainer(model, train, data, directory, line -> { }).step(language, optimizer, rows, 1);
      assertEquals(arraysBefore, manager.getManagedArrays().size(), "arrays a training step left in the model's manager");
      Map<String, float[]> moments = new HashMap<>();
      Map<String, float[]> weights = new HashMap<>();
      for (Parameters.Parameter p : language.parameters().all()) {
        moments.put(p.name(), optimizer.firstMoments().get(p.name()).toFloatArray());
        weights.put(p.name(), p.array().toFloatArray());
      }
      return new Outcome(result, moments, weights);
    }
  }

  private static double maxAbs(float[] values) {
    double max = 0;
    for (float v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}

package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestDatasets;
import org.emoflow.model.TestModels;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.DomainStream;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.schemas.TrainingStep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Trainer} end to end on the synthetic two-domain dataset. */
class TrainerTest {
  private static final int SEQ_LEN = 32;
  private static final int VALIDATION_ROWS = 8;
  private static final long SEED = 7;

  @TempDir static Path shared;
  private static PreparedDataset data;

  @BeforeAll
  static void writeData() throws IOException {
    data = TestDatasets.synthetic(shared.resolve("data"), SEQ_LEN, 64, VALIDATION_ROWS, 1);
  }

  /** Batches of 8 rows; validation and checkpoints every checkpointInterval steps and at the end. */
  private static TrainConfig config(int steps, int microBatch, int checkpointInterval) {
    return TrainConfig.builder(steps, SEED).batchSize(8).microBatchSize(microBatch).learningRate(1e-2).warmupSteps(4)
        .evalInterval(checkpointInterval).evalSequences(VALIDATION_ROWS).checkpointInterval(checkpointInterval)
        .shuffleWindow(16).build();
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void aTinyTrainingRunLowersTheValidationLoss(RouterKind kind, @TempDir Path output) throws IOException {
    ModelConfig model = TestModels.tiny(kind, SEQ_LEN);
    TrainConfig train = config(40, 8, 40);
    Map<String, Evaluator.DomainLoss> untrained;
    try (NDManager manager = Compute.newManager();
        LanguageModel initial = new LanguageModel(model, manager, SEED)) {
      untrained = Evaluator.evaluate(initial, ValidationSet.select(data, VALIDATION_ROWS), 8, null, null);
    }
    Trainer.Summary summary = new Trainer(model, train, data, output, line -> { }).run();

    // Small initial weights predict nearly uniformly over the 128 ids.
    assertEquals(Math.log(TestDatasets.VOCAB), untrained.get(Evaluator.ALL).loss(), 0.05);
    for (String domain : List.of(TestDatasets.COUNT, TestDatasets.STRIDE)) {
      assertTrue(summary.validationLoss().get(domain) < 2.0,
          domain + ": " + untrained.get(domain).loss() + " -> " + summary.validationLoss().get(domain));
    }
    List<TrainingStep> steps = trainingMetrics(output);
    assertEquals(40, steps.size());
    for (int i = 0; i < steps.size(); i++) {
      assertEquals(i + 1, steps.get(i).getStep());
    }
    assertEquals(40, Checkpoints.stepOf(Path.of(summary.finalCheckpoint())));
  }

  @ParameterizedTest
  @EnumSource(value = RouterKind.class, names = {"EMO", "STANDARD"})
  void resumingFromAMiddleCheckpointEndsBitIdentical(RouterKind kind, @TempDir Path root) throws IOException {
    ModelConfig model = TestModels.tiny(kind, SEQ_LEN);
    // Two micro-batches per step: the global expert counts come from a separate routing pass.
    TrainConfig train = config(6, 4, 3);
    Path uninterrupted = root.resolve("uninterrupted");
    new Trainer(model, train, data, uninterrupted, line -> { }).run();

    // An interrupted run: only the step-3 checkpoint made it to disk.
    Path resumed = root.resolve("resumed");
    String middle = Checkpoints.nameFor(3);
    copyDirectory(uninterrupted.resolve("checkpoints").resolve(middle), resumed.resolve("checkpoints").resolve(middle));
    Trainer.Summary summary = new Trainer(model, train, data, resumed, line -> { }).run();

    assertEquals(3, summary.resumedFromStep());
    Path expected = uninterrupted.resolve("checkpoints").resolve(Checkpoints.nameFor(6));
    Path actual = resumed.resolve("checkpoints").resolve(Checkpoints.nameFor(6));
    for (String file : List.of(Checkpoints.MODEL, Checkpoints.OPTIMIZER)) {
      assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(actual.resolve(file)), file);
    }
    List<TrainingStep> before = trainingMetrics(uninterrupted).subList(3, 6);
    List<TrainingStep> after = trainingMetrics(resumed);
    for (int i = 0; i < 3; i++) {
      assertEquals(before.get(i).getStep(), after.get(i).getStep());
      assertEquals(before.get(i).getLoss(), after.get(i).getLoss(), "loss of step " + after.get(i).getStep());
      assertEquals(before.get(i).getGradNorm(), after.get(i).getGradNorm());
    }
  }

  /**
   * A fine-tune starts from a checkpoint's weights, trains on one domain's documents only, and resumed from
   * a middle checkpoint ends bit-identical to an uninterrupted one.
   */
  @Test
  void aFineTuneStartsFromTheCheckpointTrainsOnItsDomainAndResumesExactly(@TempDir Path root) throws IOException {
    ModelConfig model = TestModels.tiny(RouterKind.EMO, SEQ_LEN);
    Path start = root.resolve("start");
    try (NDManager manager = Compute.newManager(); LanguageModel initial = new LanguageModel(model, manager, 99)) {
      Files.createDirectories(start);
      Checkpoints.writeModel(start, initial, Map.of());
    }
    TrainConfig train = config(4, 8, 2);
    Path uninterrupted = root.resolve("uninterrupted");
    List<String> lines = new ArrayList<>();
    new Trainer(model, train, data, uninterrupted, lines::add).startingFrom(start)
        .onDomains(List.of(TestDatasets.STRIDE)).run();
    assertTrue(lines.stream().anyMatch(line -> line.contains("from " + start)), String.join("\n", lines));
    // The first step's loss is that of the starting weights (seed 99), not of a fresh initialisation (seed 7).
    Trainer scratch = new Trainer(model, config(1, 8, 1), data, root.resolve("scratch"), line -> { });
    scratch.onDomains(List.of(TestDatasets.STRIDE)).run();
    assertTrue(trainingMetrics(uninterrupted).get(0).getLoss() != trainingMetrics(root.resolve("scratch")).get(0).getLoss());

    Path resumed = root.resolve("resumed");
    String middle = Checkpoints.nameFor(2);
    copyDirectory(uninterrupted.resolve("checkpoints").resolve(middle), resumed.resolve("checkpoints").resolve(middle));
    Trainer.Summary summary = new Trainer(model, train, data, resumed, line -> { }).startingFrom(start)
        .onDomains(List.of(TestDatasets.STRIDE)).run();
    assertEquals(2, summary.resumedFromStep());
    Path expected = uninterrupted.resolve("checkpoints").resolve(Checkpoints.nameFor(4));
    Path actual = resumed.resolve("checkpoints").resolve(Checkpoints.nameFor(4));
    for (String file : List.of(Checkpoints.MODEL, Checkpoints.OPTIMIZER)) {
      assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(actual.resolve(file)), file);
    }
  }

  @Test
  void aDomainStreamEmitsOnlyThatDomainAndResumesWhereItStood() throws IOException {
    SequenceStream.Position middle;
    List<PackedSequence> rest;
    try (DomainStream stream = new DomainStream(data, List.of(TestDatasets.COUNT), SEED, SequenceStream.Position.START)) {
      List<PackedSequence> first = stream.next(50);
      assertTrue(first.stream().allMatch(row -> Arrays.stream(row.domains()).allMatch(TestDatasets.COUNT::equals)));
      middle = stream.position();
      rest = stream.next(30);
    }
    try (DomainStream again = new DomainStream(data, List.of(TestDatasets.COUNT), SEED, middle)) {
      List<PackedSequence> resumed = again.next(30);
      for (int i = 0; i < rest.size(); i++) {
        assertArrayEquals(rest.get(i).tokens(), resumed.get(i).tokens(), "row " + i);
      }
    }
  }

  @Test
  void refusesToResumeWithOtherSettings(@TempDir Path output) throws IOException {
    ModelConfig model = TestModels.tiny(RouterKind.STANDARD, SEQ_LEN);
    new Trainer(model, config(2, 8, 2), data, output, line -> { }).run();
    TrainConfig moreSteps = config(4, 8, 2);
    Trainer again = new Trainer(model, moreSteps, data, output, line -> { });
    // Found before any work: a command can refuse it as an option.
    ChangedSettingsException refused = assertThrows(ChangedSettingsException.class, again::resumePoint);
    assertTrue(refused.getMessage().contains("steps: 2 -> 4"), refused.getMessage());
    assertThrows(ChangedSettingsException.class, again::run);
    assertEquals(List.of(output.resolve("checkpoints").resolve(Checkpoints.nameFor(2))),
        new Checkpoints(output.resolve("checkpoints")).list());
  }

  private static List<TrainingStep> trainingMetrics(Path output) throws IOException {
    List<TrainingStep> steps = new ArrayList<>();
    for (Path file : ParquetFiles.list(output.resolve("metrics").resolve("train"))) {
      steps.addAll(ParquetFiles.<TrainingStep>readAll(file));
    }
    return steps;
  }

  private static void copyDirectory(Path source, Path target) throws IOException {
    Files.createDirectories(target);
    try (var files = Files.list(source)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
  }
}

package org.emoflow.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.train.TrainerState;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {
  @TempDir Path dir;

  /** RUN/prepared with a manifest, and RUN/variants/emo/checkpoints/step-N recording {@code dataPath}. */
  private Path checkpoint(Path run, String dataPath) throws IOException {
    Path prepared = Files.createDirectories(run.resolve("prepared"));
    Files.writeString(prepared.resolve("manifest.json"), "{\"run\": \"" + run.getFileName() + "\"}");
    Path step = Files.createDirectories(run.resolve("variants/emo/checkpoints/step-000010"));
    TrainerState state = new TrainerState(10, 10, SequenceStream.Position.START, 640, TrainConfig.defaults(10, 0),
        dataPath, Checksums.sha256(prepared.resolve("manifest.json")));
    Files.writeString(step.resolve(Checkpoints.TRAINER), state.toJson());
    return step;
  }

  @Test
  void theRecordedDatasetWhileItIsThere() throws Exception {
    Path run = dir.resolve("run");
    Path step = checkpoint(run, run.resolve("prepared").toString());
    TrainingData.Found found = TrainingData.of(step);
    assertEquals(run.resolve("prepared"), found.directory());
    assertNull(found.warning());
  }

  @Test
  void aRunMovedWithItsDataFindsItsOwnPreparedDirectory() throws Exception {
    Path step = checkpoint(dir.resolve("moved"), dir.resolve("original/prepared").toString());
    assertEquals(dir.resolve("moved/prepared"), TrainingData.of(step).directory());
  }

  @Test
  void aDatasetPreparedAgainIsUsedWithAWarning() throws Exception {
    Path run = dir.resolve("run");
    Path step = checkpoint(run, run.resolve("prepared").toString());
    Files.writeString(run.resolve("prepared/manifest.json"), "{\"prepared\": \"again\"}");
    String warning = TrainingData.of(step).warning();
    assertTrue(warning.contains("was prepared again since " + step), warning);
  }

  @Test
  void goneDataAndMissingStateAreRefusedSayingWhy() throws Exception {
    Path run = dir.resolve("run");
    Path step = checkpoint(run, dir.resolve("elsewhere/prepared").toString());
    Files.writeString(run.resolve("prepared/manifest.json"), "{\"not\": \"the one trained on\"}");
    TrainingData.NotFoundException gone = assertThrows(TrainingData.NotFoundException.class, () -> TrainingData.of(step));
    assertEquals("the data " + step + " was trained on (" + dir.resolve("elsewhere/prepared") + ") is gone",
        gone.getMessage());

    Path bare = Files.createDirectories(dir.resolve("bare"));
    InvalidOptionException refused = assertThrows(InvalidOptionException.class,
        () -> TrainingData.forDataOption(bare, "prune"));
    assertEquals("--data: required: " + bare + " has no trainer.json that names the data it was trained on",
        refused.getMessage());
  }
}

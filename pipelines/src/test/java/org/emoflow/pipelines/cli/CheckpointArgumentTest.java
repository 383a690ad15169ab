package org.emoflow.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.io.Json;
import org.emoflow.model.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a directory given for a checkpoint is found: the same for every command and for a sweep's entries. */
class CheckpointArgumentTest {
  @TempDir Path dir;

  /** A training output with checkpoints/step-N for each step (a checksums file marks each as a checkpoint). */
  private Path output(String name, long... steps) throws IOException {
    Path output = dir.resolve(name);
    for (long step : steps) {
      Path checkpoint = Files.createDirectories(output.resolve(Trainer.CHECKPOINTS_DIRECTORY)
          .resolve(Checkpoints.nameFor(step)));
      Files.writeString(checkpoint.resolve(Checkpoints.CHECKSUMS), "");
    }
    return output;
  }

  private static void finished(Path output, Path finalCheckpoint) throws IOException {
    Files.writeString(output.resolve(Trainer.SUMMARY_FILE), Json.write(new Trainer.Summary(20,
        finalCheckpoint == null ? null : finalCheckpoint.toString(), 0, 1.0, Map.of())));
  }

  private static Path step(Path output, long step) {
    return output.resolve(Trainer.CHECKPOINTS_DIRECTORY).resolve(Checkpoints.nameFor(step));
  }

  @Test
  void aCheckpointDirectoryIsItself() throws Exception {
    Path output = output("run", 10);
    CheckpointArgument.Located located = CheckpointArgument.locate(step(output, 10));
    assertEquals(step(output, 10), located.directory());
    assertNull(located.warning());
  }

  @Test
  void aFinishedTrainingIsItsFinalCheckpointEvenAfterItsDirectoryMoved() throws Exception {
    Path original = output("original", 10, 20);
    finished(original, step(original, 20));
    assertEquals(step(original, 20), CheckpointArgument.locate(original).directory());

    Path moved = dir.resolve("moved");
    Files.move(original, moved);
    CheckpointArgument.Located located = CheckpointArgument.locate(moved);
    assertEquals(step(moved, 20), located.directory(), "the summary's absolute path is gone; its name is here");
    assertNull(located.warning());
  }

  @Test
  void aSummaryNamingAGoneCheckpointIsRefusedNamingBoth() throws Exception {
    Path output = output("run", 10);
    finished(output, dir.resolve("elsewhere").resolve(Checkpoints.nameFor(20)));
    CheckpointArgument.NotACheckpointException refused =
        assertThrows(CheckpointArgument.NotACheckpointException.class, () -> CheckpointArgument.locate(output));
    assertTrue(refused.getMessage().contains("elsewhere") && refused.getMessage().contains("which is gone"),
        refused.getMessage());

    finished(output, null);
    assertTrue(assertThrows(CheckpointArgument.NotACheckpointException.class, () -> CheckpointArgument.locate(output))
        .getMessage().endsWith("names no final checkpoint"));
  }

  @Test
  void anUnfinishedTrainingOffersItsNewestCheckpointWithAWarning() throws Exception {
    Path output = output("run", 10, 30, 20);
    CheckpointArgument.Located located = CheckpointArgument.locate(output);
    assertEquals(step(output, 30), located.directory());
    assertTrue(located.warning().contains("training unfinished?"), located.warning());
  }

  @Test
  void aDirectoryWithoutACheckpointOrNoDirectoryIsRefused() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertTrue(assertThrows(CheckpointArgument.NotACheckpointException.class, () -> CheckpointArgument.locate(empty))
        .getMessage().contains("holds no checkpoint"));
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertEquals(file + " is not a directory",
        assertThrows(CheckpointArgument.NotACheckpointException.class, () -> CheckpointArgument.locate(file))
            .getMessage());
  }
}

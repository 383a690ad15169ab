package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.CorruptCheckpointException;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.train.Trainer;

/** A command's checkpoint option: any directory {@link ModelCheckpoint} reads, or a training output. */
public final class CheckpointArgument {
  private CheckpointArgument() {}

  /**
   * The checkpoint directory itself (an emoflow step-NNNNNNNN or export, or a Hugging Face EmoForCausalLM
   * directory), or the final checkpoint a training output's summary names. An emoflow checkpoint's checksums
   * are verified and either layout's config is checked; a fault is refused naming the option.
   */
  public static Path resolve(String option, Path given) throws IOException {
    if (!Files.isDirectory(given)) {
      throw InvalidOptionException.of(option, given + " is not a directory");
    }
    Path checkpoint = given;
    if (Files.isRegularFile(given.resolve(Trainer.SUMMARY_FILE))) {
      String last = Trainer.Summary.read(given).finalCheckpoint();
      if (last == null) {
        throw InvalidOptionException.of(option, given + " has no final checkpoint yet");
      }
      checkpoint = Path.of(last);
      if (!Files.isDirectory(checkpoint)) {
        throw InvalidOptionException.of(option, given.resolve(Trainer.SUMMARY_FILE) + " names " + last
            + " as its final checkpoint, which is gone");
      }
    }
    try {
      if (ModelCheckpoint.layoutOf(checkpoint) == ModelCheckpoint.Layout.EMOFLOW) {
        Checkpoints.verify(checkpoint);
      }
      ModelCheckpoint.readConfig(checkpoint);
    } catch (CorruptCheckpointException | IllegalArgumentException e) {
      throw InvalidOptionException.of(option, e.getMessage());
    }
    return checkpoint;
  }
}

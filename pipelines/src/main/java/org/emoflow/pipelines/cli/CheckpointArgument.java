package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.CorruptCheckpointException;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.train.Trainer;

/**
 * A checkpoint as a command's option or a sweep's entry names it: any directory {@link ModelCheckpoint} reads,
 * or a training output. Every command finds it the same way, a moved run directory included.
 */
public final class CheckpointArgument {
  /** @param warning why this may not be the checkpoint meant (its training has not finished); null if none */
  public record Located(Path directory, String warning) {}

  /** The directory holds no checkpoint; the message says why (the caller names the option or key). */
  public static final class NotACheckpointException extends Exception {
    NotACheckpointException(String message) {
      super(message);
    }
  }

  private CheckpointArgument() {}

  /**
   * The checkpoint a directory stands for: itself when it holds a model (an emoflow step-NNNNNNNN or export, a
   * Hugging Face EmoForCausalLM directory); for a training output, the final checkpoint its summary names,
   * looked for under the output's own checkpoints/ first (the run directory may have moved since), or, while
   * the training has not finished, its newest checkpoint, with a warning. Nothing is verified here.
   */
  public static Located locate(Path given) throws IOException, NotACheckpointException {
    if (!Files.isDirectory(given)) {
      throw new NotACheckpointException(given + " is not a directory");
    }
    Path dir = given.toAbsolutePath().normalize();
    if (Files.exists(dir.resolve(Checkpoints.CHECKSUMS)) || ModelCheckpoint.isModelDirectory(dir)) {
      return new Located(dir, null);
    }
    Path saved = dir.resolve(Trainer.CHECKPOINTS_DIRECTORY);
    if (Files.isRegularFile(dir.resolve(Trainer.SUMMARY_FILE))) {
      String last = Trainer.Summary.read(dir).finalCheckpoint();
      if (last == null) {
        throw new NotACheckpointException(dir.resolve(Trainer.SUMMARY_FILE) + " names no final checkpoint");
      }
      Path here = saved.resolve(Path.of(last).getFileName());
      if (Files.isDirectory(here)) {
        return new Located(here, null);
      }
      if (Files.isDirectory(Path.of(last))) {
        return new Located(Path.of(last), null);
      }
      throw new NotACheckpointException(dir.resolve(Trainer.SUMMARY_FILE) + " names " + last
          + " as its final checkpoint, which is gone (nor is it in " + saved + ")");
    }
    List<Path> steps = new Checkpoints(saved).list();
    if (steps.isEmpty()) {
      throw new NotACheckpointException(dir + " holds no checkpoint: expected a checkpoint directory (with "
          + Checkpoints.CHECKSUMS + "), a Hugging Face EmoForCausalLM directory (config.json and safetensors) or a"
          + " training output (with " + Trainer.SUMMARY_FILE + " or " + Trainer.CHECKPOINTS_DIRECTORY + "/step-*)");
    }
    Path newest = steps.get(steps.size() - 1);
    return new Located(newest, dir + " has no " + Trainer.SUMMARY_FILE + " (training unfinished?); using its newest"
        + " checkpoint " + newest.getFileName());
  }

  /**
   * {@link #locate}, then an emoflow checkpoint's checksums verified and either layout's config checked; a fault
   * is refused naming the option, a warning printed.
   */
  public static Path resolve(String option, Path given) throws IOException {
    Located located;
    try {
      located = locate(given);
    } catch (NotACheckpointException e) {
      throw InvalidOptionException.of(option, e.getMessage());
    }
    if (located.warning() != null) {
      System.err.println("emoflow: warning: " + located.warning());
    }
    Path checkpoint = located.directory();
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

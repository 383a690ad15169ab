package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.train.TrainerState;
import org.emoflow.model.io.Checksums;

/**
 * The prepared dataset a checkpoint was trained on, found the same way by every command that needs one
 * (prune, generate, sweep): the path its trainer state records or, when that has moved with its run
 * directory, RUN/prepared for a checkpoint RUN/variants/NAME/checkpoints/step-N, provided its manifest is the
 * one trained on.
 */
public final class TrainingData {
  /** Levels from a run's checkpoint (RUN/variants/NAME/checkpoints/step-N) up to the run directory. */
  private static final int RUN_LEVELS = 4;

  /** @param warning why the dataset may not be the one trained on; null when its manifest is that one */
  public record Found(Path directory, String warning) {}

  /** No dataset can be found; the message says why (the caller names the option that would name one). */
  public static final class NotFoundException extends Exception {
    NotFoundException(String message) {
      super(message);
    }
  }

  private TrainingData() {}

  public static Found of(Path checkpoint) throws IOException, NotFoundException {
    if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.TRAINER))) {
      throw new NotFoundException(checkpoint + " has no " + Checkpoints.TRAINER
          + " that names the data it was trained on");
    }
    TrainerState state = TrainerState.read(checkpoint);
    Path data = Path.of(state.dataPath());
    Path run = checkpoint.toAbsolutePath().normalize();
    for (int up = 0; up < RUN_LEVELS && run != null; up++) {
      run = run.getParent();
    }
    if (!Files.isDirectory(data) && run != null && sameManifest(run.resolve("prepared"), state.dataManifestSha256())) {
      data = run.resolve("prepared");
    }
    if (!Files.isDirectory(data)) {
      throw new NotFoundException("the data " + checkpoint + " was trained on (" + state.dataPath() + ") is gone");
    }
    return new Found(data, changedSince(checkpoint, data, state));
  }

  /**
   * For a command whose {@code --data} names the dataset instead: refused as that option when none is found; a
   * warning, prefixed with the command's name, printed when the dataset was prepared again since.
   */
  public static Path forDataOption(Path checkpoint, String command) throws IOException {
    Found found;
    try {
      found = of(checkpoint);
    } catch (NotFoundException e) {
      throw InvalidOptionException.of("data", "required: " + e.getMessage());
    }
    if (found.warning() != null) {
      System.err.println(command + ": warning: " + found.warning());
    }
    return found.directory();
  }

  /** A warning when {@code data} is not (any longer) the dataset the checkpoint's state records; else null. */
  public static String changedSince(Path checkpoint, Path data, TrainerState state) throws IOException {
    if (state == null || state.dataManifestSha256() == null || sameManifest(data, state.dataManifestSha256())) {
      return null;
    }
    return data + " was prepared again since " + checkpoint + " was trained on it (its manifest changed)";
  }

  private static boolean sameManifest(Path prepared, String sha256) throws IOException {
    Path manifest = prepared.resolve("manifest.json");
    return sha256 != null && Files.isRegularFile(manifest) && Checksums.sha256(manifest).equals(sha256);
  }
}

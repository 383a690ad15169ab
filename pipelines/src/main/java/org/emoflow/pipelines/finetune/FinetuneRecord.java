package org.emoflow.pipelines.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Json;
import org.emoflow.model.select.PruningMetadata;

/**
 * {@code finetune.json} in a fine-tune's output: what it started from and trained on, so that a re-run
 * with other inputs is refused and {@code merge} finds which full-model experts the checkpoints hold.
 *
 * @param checkpoint the starting checkpoint, absolute
 * @param checkpointFingerprint its {@link org.emoflow.model.checkpoint.ModelCheckpoint#fingerprint()}
 * @param tasks the domains trained on
 * @param data the prepared dataset, absolute
 * @param pruning the starting checkpoint's pruning.json; null when it is not a pruned export
 */
public record FinetuneRecord(
    String checkpoint, String checkpointFingerprint, List<String> tasks, String data, PruningMetadata pruning) {
  public static final String FILE = "finetune.json";

  /** The record in a fine-tune output, or null when there is none. */
  public static FinetuneRecord read(Path output) throws IOException {
    Path file = output.resolve(FILE);
    return Files.isRegularFile(file) ? Json.read(Files.readString(file), FinetuneRecord.class) : null;
  }

  public void write(Path output) throws IOException {
    Files.createDirectories(output);
    AtomicFiles.writeString(output.resolve(FILE), Json.write(this));
  }

  /** The settings a resumed fine-tune must share (the pruning record follows from the checkpoint). */
  boolean sameInputs(FinetuneRecord other) {
    return checkpoint.equals(other.checkpoint) && checkpointFingerprint.equals(other.checkpointFingerprint)
        && tasks.equals(other.tasks) && data.equals(other.data);
  }

  @Override
  public String toString() {
    return "checkpoint " + checkpoint + " (fingerprint " + checkpointFingerprint.substring(0, 12) + "), tasks "
        + tasks + ", data " + data;
  }
}

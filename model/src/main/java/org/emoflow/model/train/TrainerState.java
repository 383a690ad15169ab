package org.emoflow.model.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.io.Json;

/**
 * Everything besides tensors that a resumed run needs to continue exactly: the step, the optimizer's
 * update count, where the data stream stands, and the settings it was trained with.
 */
public record TrainerState(
    long step,
    long optimizerUpdates,
    SequenceStream.Position stream,
    long tokensSeen,
    TrainConfig trainConfig,
    String dataPath,
    String dataManifestSha256) {

  public String toJson() {
    return Json.write(this);
  }

  public static TrainerState fromJson(String json) throws IOException {
    return Json.read(json, TrainerState.class);
  }

  /** The state saved in a checkpoint directory's trainer.json. */
  public static TrainerState read(Path checkpoint) throws IOException {
    return fromJson(Files.readString(checkpoint.resolve(Checkpoints.TRAINER), StandardCharsets.UTF_8));
  }
}

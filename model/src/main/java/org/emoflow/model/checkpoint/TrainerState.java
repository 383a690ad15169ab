package org.emoflow.model.checkpoint;

import java.io.IOException;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.io.Json;
import org.emoflow.model.train.TrainConfig;

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
}

package org.emoflow.model.train;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;

/**
 * What a training checkpoint holds besides the model: AdamW's moments and update count
 * ({@code optimizer.safetensors}) and the {@link TrainerState} ({@code trainer.json}), so that a resumed run
 * continues exactly.
 */
public final class TrainingCheckpoint {
  private TrainingCheckpoint() {}

  /** Writes a complete checkpoint for the state's step, then keeps only the newest {@code keep}. */
  public static Path save(Checkpoints checkpoints, LanguageModel model, AdamW optimizer, TrainerState state, int keep)
      throws IOException {
    return checkpoints.save(state.step(), model, dir -> {
      writeOptimizer(dir.resolve(Checkpoints.OPTIMIZER), model.parameters(), optimizer);
      Files.writeString(dir.resolve(Checkpoints.TRAINER), state.toJson(), StandardCharsets.UTF_8);
    }, keep);
  }

  private static void writeOptimizer(Path file, Parameters parameters, AdamW optimizer) throws IOException {
    Map<String, NDArray> arrays = new LinkedHashMap<>();
    for (Parameters.Parameter p : parameters.all()) {
      arrays.put("exp_avg." + p.name(), optimizer.firstMoments().get(p.name()));
      arrays.put("exp_avg_sq." + p.name(), optimizer.secondMoments().get(p.name()));
    }
    Checkpoints.writeArrays(file, Map.of("optimizer_updates", Long.toString(optimizer.updates())), arrays);
  }

  public static void loadOptimizer(Path dir, Parameters parameters, AdamW optimizer) throws IOException {
    try (Safetensors.Reader reader = Safetensors.open(dir.resolve(Checkpoints.OPTIMIZER))) {
      for (Parameters.Parameter p : parameters.all()) {
        Checkpoints.replace(reader, "exp_avg." + p.name(), optimizer.firstMoments().get(p.name()));
        Checkpoints.replace(reader, "exp_avg_sq." + p.name(), optimizer.secondMoments().get(p.name()));
      }
      optimizer.restore(Long.parseLong(reader.metadata().getOrDefault("optimizer_updates", "0")));
    }
  }
}

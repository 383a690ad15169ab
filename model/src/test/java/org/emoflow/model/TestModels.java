package org.emoflow.model;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.PoolSizes;

/** Tiny models and gradient-free forward passes for tests. */
public final class TestModels {
  private TestModels() {}

  /** The tiny preset (d 32, 2 layers, 7 routed experts + 1 shared, top-2) over {@link TestDatasets#VOCAB}. */
  public static ModelConfig tiny(RouterKind router, int seqLen) {
    return ModelConfig.preset("tiny", TestDatasets.VOCAB, seqLen, router);
  }

  public static ForwardContext context(LanguageModel model, PackedBatch batch, NDManager manager, PoolSizes pools) {
    ModelConfig config = model.config();
    return new ForwardContext(
        new BatchTensors(batch, manager, config.intraDocumentMask()), config.layers(), pools, null, false);
  }

  /** Logits [T, V], row-major; pools null routes without a pool. */
  public static float[] logits(LanguageModel model, PackedBatch batch, PoolSizes pools) {
    try (NDManager manager = model.manager().newSubManager()) {
      return model.logits(model.hidden(context(model, batch, manager, pools))).toFloatArray();
    }
  }

  /** The model written as an emoflow checkpoint directory (weights, config, checksums), as training writes one. */
  public static Path saveCheckpoint(LanguageModel model, Path directory) throws IOException {
    Files.createDirectories(directory);
    Checkpoints.writeModel(directory, model, Map.of());
    Checkpoints.writeChecksums(directory);
    return directory;
  }

  /** Rows [first, first + count) of a row-major matrix of the given width. */
  public static float[] rows(float[] matrix, int width, int first, int count) {
    return Arrays.copyOfRange(matrix, first * width, (first + count) * width);
  }

  public static double maxAbsDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}

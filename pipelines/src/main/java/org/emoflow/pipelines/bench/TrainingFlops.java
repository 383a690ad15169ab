package org.emoflow.pipelines.bench;

import org.emoflow.model.ModelConfig;

/**
 * Model FLOPs of one training step (forward and backward), counted from the config as for MFU (PaLM,
 * appendix B): {@code 6 N} per token for the N matrix-multiply parameters a token uses, plus {@code 12
 * layers L d} for attention's score and value products over all L positions. N is the active parameter
 * count without the input embedding (a lookup) and the norms (no matmul); it keeps the router and the
 * output head. Work the implementation does beyond this (masking, dispatch, optimizer) is not counted,
 * so FLOP/s from this count is useful work per second.
 */
final class TrainingFlops {
  private TrainingFlops() {}

  static long matmulParameters(ModelConfig config) {
    long inputEmbedding = (long) config.vocabSize() * config.dModel();
    long norms = (long) config.dModel() * (2L * config.layers() + 1);
    return config.activeParameterCount() - inputEmbedding - norms;
  }

  static double perToken(ModelConfig config) {
    return 6.0 * matmulParameters(config) + 12.0 * config.layers() * config.seqLen() * config.dModel();
  }

  /** Every position of the batch is computed, padding included. */
  static double perStep(ModelConfig config, int batchSize) {
    return perToken(config) * batchSize * config.seqLen();
  }
}

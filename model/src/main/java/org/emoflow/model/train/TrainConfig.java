package org.emoflow.model.train;

/**
 * How to train: schedule, optimizer, batch, cadence of validation and checkpoints. The global batch is
 * {@code batchSize} sequences per optimizer step, run as micro-batches of {@code microBatchSize}.
 */
public record TrainConfig(
    int steps,
    int batchSize,
    int microBatchSize,
    double learningRate,
    int warmupSteps,
    double minLrRatio,
    double weightDecay,
    double beta1,
    double beta2,
    double epsilon,
    double clipNorm,
    long seed,
    int evalInterval,
    int evalSequences,
    int checkpointInterval,
    int keepCheckpoints,
    int shuffleWindow,
    int logInterval) {

  public TrainConfig {
    require(steps > 0, "steps must be positive");
    require(batchSize > 0, "batch size must be positive");
    require(microBatchSize > 0 && batchSize % microBatchSize == 0,
        "micro-batch size (" + microBatchSize + ") must divide the batch size (" + batchSize + ")");
    require(learningRate > 0, "learning rate must be positive");
    require(warmupSteps >= 0, "warm-up steps must not be negative");
    require(minLrRatio >= 0 && minLrRatio <= 1, "min lr ratio must be in [0, 1]");
    require(weightDecay >= 0 && clipNorm >= 0, "weight decay and clip norm must not be negative");
    require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "betas must be in [0, 1)");
    require(epsilon > 0, "epsilon must be positive");
    require(evalInterval >= 0 && evalSequences >= 0, "eval interval and sequences must not be negative");
    require(checkpointInterval > 0, "checkpoint interval must be positive");
    require(keepCheckpoints > 0, "keep-checkpoints must be at least 1");
    require(shuffleWindow > 0 && logInterval > 0, "shuffle window and log interval must be positive");
  }

  /**
   * This config with the settings that cannot change the weights (how often to print, how many
   * checkpoints to keep) set to those of {@code other}: what a resumed run must agree on.
   */
  public TrainConfig withBookkeepingOf(TrainConfig other) {
    return new TrainConfig(steps, batchSize, microBatchSize, learningRate, warmupSteps, minLrRatio, weightDecay,
        beta1, beta2, epsilon, clipNorm, seed, evalInterval, evalSequences, checkpointInterval,
        other.keepCheckpoints, shuffleWindow, other.logInterval);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Spec section 5: AdamW (0.9, 0.95), weight decay 0.1, clipping at 1.0, cosine to 0.1x after warm-up. */
  public static TrainConfig defaults(int steps, long seed) {
    return new TrainConfig(steps, 16, 16, 3e-3, Math.max(1, steps / 10), 0.1, 0.1, 0.9, 0.95, 1e-8, 1.0, seed,
        Math.max(1, steps / 5), 64, Math.max(1, steps / 5), 3, 1024, 10);
  }

  public int microBatches() {
    return batchSize / microBatchSize;
  }

  /** Linear warm-up to the peak, then cosine decay to minLrRatio x peak at the last step. */
  public double learningRateAt(long step) {
    if (step <= warmupSteps) {
      return learningRate * step / Math.max(1, warmupSteps);
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps));
    return learningRate * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}

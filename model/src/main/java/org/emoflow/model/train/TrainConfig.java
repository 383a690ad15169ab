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
    return toBuilder().keepCheckpoints(other.keepCheckpoints).logInterval(other.logInterval).build();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Spec section 5: AdamW (0.9, 0.95), weight decay 0.1, clipping at 1.0, cosine to 0.1x after warm-up. */
  public static TrainConfig defaults(int steps, long seed) {
    return builder(steps, seed).build();
  }

  /**
   * The {@link #defaults} for this many steps, to change some settings by name. Warm-up is a tenth of the
   * steps, validation and checkpoints every fifth (at least one step each).
   */
  public static Builder builder(int steps, long seed) {
    int fifth = Math.max(1, steps / 5);
    return new Builder().steps(steps).seed(seed).warmupSteps(Math.max(1, steps / 10)).evalInterval(fifth)
        .checkpointInterval(fifth);
  }

  /** This config's settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder().steps(steps).batchSize(batchSize).microBatchSize(microBatchSize).learningRate(learningRate)
        .warmupSteps(warmupSteps).minLrRatio(minLrRatio).weightDecay(weightDecay).betas(beta1, beta2)
        .epsilon(epsilon).clipNorm(clipNorm).seed(seed).evalInterval(evalInterval).evalSequences(evalSequences)
        .checkpointInterval(checkpointInterval).keepCheckpoints(keepCheckpoints).shuffleWindow(shuffleWindow)
        .logInterval(logInterval);
  }

  /** Settings by name, starting at the defaults that do not depend on the step count. */
  public static final class Builder {
    private int steps;
    private int batchSize = 16;
    private int microBatchSize = 16;
    private double learningRate = 3e-3;
    private int warmupSteps;
    private double minLrRatio = 0.1;
    private double weightDecay = 0.1;
    private double beta1 = 0.9;
    private double beta2 = 0.95;
    private double epsilon = 1e-8;
    private double clipNorm = 1.0;
    private long seed;
    private int evalInterval;
    private int evalSequences = 64;
    private int checkpointInterval;
    private int keepCheckpoints = 3;
    private int shuffleWindow = 1024;
    private int logInterval = 10;

    private Builder() {}

    public Builder steps(int value) {
      steps = value;
      return this;
    }

    /** Sequences per optimizer step. */
    public Builder batchSize(int value) {
      batchSize = value;
      return this;
    }

    /** Sequences per forward and backward pass; divides the batch size. */
    public Builder microBatchSize(int value) {
      microBatchSize = value;
      return this;
    }

    /** The peak, reached at the end of warm-up. */
    public Builder learningRate(double value) {
      learningRate = value;
      return this;
    }

    public Builder warmupSteps(int value) {
      warmupSteps = value;
      return this;
    }

    /** Where the cosine decay ends, as a fraction of the peak. */
    public Builder minLrRatio(double value) {
      minLrRatio = value;
      return this;
    }

    public Builder weightDecay(double value) {
      weightDecay = value;
      return this;
    }

    public Builder betas(double first, double second) {
      beta1 = first;
      beta2 = second;
      return this;
    }

    public Builder epsilon(double value) {
      epsilon = value;
      return this;
    }

    /** Global gradient-norm clipping; 0 for none. */
    public Builder clipNorm(double value) {
      clipNorm = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    /** Steps between validations; 0 validates only at the end. */
    public Builder evalInterval(int value) {
      evalInterval = value;
      return this;
    }

    public Builder evalSequences(int value) {
      evalSequences = value;
      return this;
    }

    public Builder checkpointInterval(int value) {
      checkpointInterval = value;
      return this;
    }

    public Builder keepCheckpoints(int value) {
      keepCheckpoints = value;
      return this;
    }

    /** Rows the training stream shuffles among. */
    public Builder shuffleWindow(int value) {
      shuffleWindow = value;
      return this;
    }

    public Builder logInterval(int value) {
      logInterval = value;
      return this;
    }

    public TrainConfig build() {
      return new TrainConfig(steps, batchSize, microBatchSize, learningRate, warmupSteps, minLrRatio, weightDecay,
          beta1, beta2, epsilon, clipNorm, seed, evalInterval, evalSequences, checkpointInterval, keepCheckpoints,
          shuffleWindow, logInterval);
    }
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

package org.emoflow.model.train;

/** Throughput and time-to-go over the steps run by this process, for the progress line. */
final class Progress {
  private final long totalSteps;
  private final long firstStep;
  private double seconds;
  private long tokens;

  Progress(long totalSteps, long resumedFrom) {
    this.totalSteps = totalSteps;
    this.firstStep = resumedFrom + 1;
  }

  void record(long step, StepResult result, double stepSeconds) {
    seconds += stepSeconds;
    tokens += result.tokens();
  }

  double tokensPerSecond() {
    return seconds == 0 ? 0 : tokens / seconds;
  }

  String line(long step, StepResult result) {
    double perStep = seconds / (step - firstStep + 1);
    long remaining = Math.round(perStep * (totalSteps - step));
    return String.format(
        "step %d/%d | loss %.4f | lb %.3f | z %.3f | grad %.2f | %,.0f tok/s | ETA %dm%02ds",
        step, totalSteps, result.loss(), result.lbLoss(), result.zLoss(), result.gradNorm(), tokensPerSecond(),
        remaining / 60, remaining % 60);
  }
}

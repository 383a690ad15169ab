package org.emoflow.model.train;

/**
 * How evenly a step's top-k assignments spread over the routed experts, relative to a uniform share
 * (1.0 everywhere at perfect balance): the largest and smallest share over all layers, and the
 * coefficient of variation averaged over layers.
 */
public record ExpertLoad(double max, double min, double coefficientOfVariation) {
  public static final ExpertLoad NONE = new ExpertLoad(Double.NaN, Double.NaN, Double.NaN);

  public static ExpertLoad of(long[][] assignmentsPerLayer) {
    double max = 0;
    double min = Double.MAX_VALUE;
    double cvSum = 0;
    for (long[] layer : assignmentsPerLayer) {
      long total = java.util.Arrays.stream(layer).sum();
      if (total == 0) {
        continue;
      }
      double uniform = (double) total / layer.length;
      double variance = 0;
      for (long count : layer) {
        max = Math.max(max, count / uniform);
        min = Math.min(min, count / uniform);
        variance += (count - uniform) * (count - uniform);
      }
      cvSum += Math.sqrt(variance / layer.length) / uniform;
    }
    return new ExpertLoad(max, min == Double.MAX_VALUE ? 0 : min, cvSum / assignmentsPerLayer.length);
  }
}

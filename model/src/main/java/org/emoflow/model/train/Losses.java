package org.emoflow.model.train;

import ai.djl.ndarray.NDArray;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.LayerRouting;
import org.emoflow.model.nn.Scalars;

/**
 * The step objective's terms for one micro-batch, each scaled so that the micro-batches of a step add up
 * to the global-batch value; also keeps the unweighted host values for the metrics.
 */
final class Losses {
  private final ModelConfig config;
  private final long realTokens;
  private final long scoredTokens;
  private double crossEntropy;
  private double loadBalancing;
  private double zLoss;

  Losses(ModelConfig config, long realTokens, long scoredTokens) {
    this.config = config;
    this.realTokens = realTokens;
    this.scoredTokens = scoredTokens;
  }

  /** Mean cross-entropy over the step's scored tokens (this micro-batch's share). */
  NDArray crossEntropy(NDArray sumOfTokenLosses) {
    NDArray share = Scalars.divide(sumOfTokenLosses, scoredTokens);
    crossEntropy += share.getFloat();
    return share;
  }

  /**
   * This micro-batch's share of ((E-1)/k) sum_i f_i P_i for one layer, with f from the step's global
   * counts (constants: no gradient) and P_i = this micro-batch's router probability mass / step tokens.
   */
  NDArray loadBalancing(LayerRouting routing, BatchTensors batch, long[] globalAssignments) {
    float[] f = new float[globalAssignments.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) globalAssignments[i] / realTokens;
    }
    NDArray probabilityMass = routing.probabilities().mul(batch.realToken.expandDims(1)).sum(new int[] {0});
    NDArray value = Scalars.multiply(probabilityMass.mul(batch.manager.create(f)).sum(),
        (double) config.routedExperts() / config.topK() / realTokens);
    loadBalancing += value.getFloat() / config.layers();
    return Scalars.multiply(value, config.lbWeight() / config.layers());
  }

  /** This micro-batch's share of the mean over tokens of logsumexp(router logits)^2 for one layer. */
  NDArray zLoss(LayerRouting routing, BatchTensors batch) {
    NDArray value = Scalars.divide(routing.logSumExp().square().mul(batch.realToken).sum(), realTokens);
    zLoss += value.getFloat() / config.layers();
    return Scalars.multiply(value, config.zLossWeight() / config.layers());
  }

  double crossEntropyValue() {
    return crossEntropy;
  }

  double loadBalancingValue() {
    return config.router().isMoe() ? loadBalancing : Double.NaN;
  }

  double zLossValue() {
    return config.router().isMoe() ? zLoss : Double.NaN;
  }

  double totalValue() {
    return crossEntropy
        + (config.router().isMoe() ? config.lbWeight() * loadBalancing + config.zLossWeight() * zLoss : 0);
  }
}

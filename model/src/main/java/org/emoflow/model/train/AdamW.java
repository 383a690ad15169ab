package org.emoflow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.emoflow.model.nn.Parameters;

/**
 * AdamW as PyTorch defines it: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr wd p (decoupled, only
 * where {@link Parameters.Parameter#decay()}), p -= lr m_hat / (sqrt(v_hat) + eps) with bias correction.
 * Moments live beside the parameters; temporaries live in a per-update manager.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private long updates;

  public AdamW(Parameters parameters, TrainConfig config) {
    this.beta1 = config.beta1();
    this.beta2 = config.beta2();
    this.epsilon = config.epsilon();
    this.weightDecay = config.weightDecay();
    for (Parameters.Parameter p : parameters.all()) {
      firstMoments.put(p.name(), p.array().zerosLike());
      secondMoments.put(p.name(), p.array().zerosLike());
    }
  }

  /** Applies one update with the current gradients, each first multiplied by gradientScale (clipping). */
  public void update(Parameters parameters, double learningRate, double gradientScale) {
    updates++;
    double correction1 = 1 - Math.pow(beta1, updates);
    double correction2 = 1 - Math.pow(beta2, updates);
    for (Parameters.Parameter p : parameters.all()) {
      try (NDManager scratch = parameters.manager().newSubManager()) {
        NDArray gradient = p.array().getGradient();
        gradient.attach(scratch);
        NDArray g = gradientScale == 1.0 ? gradient : gradient.mul((float) gradientScale);
        NDArray m = firstMoments.get(p.name());
        NDArray v = secondMoments.get(p.name());
        m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
        if (p.decay() && weightDecay > 0) {
          p.array().muli((float) (1 - learningRate * weightDecay));
        }
        NDArray denominator = v.div((float) correction2).sqrt().addi((float) epsilon);
        p.array().subi(m.div(denominator).muli((float) (learningRate / correction1)));
      }
    }
  }

  public long updates() {
    return updates;
  }

  public Map<String, NDArray> firstMoments() {
    return firstMoments;
  }

  public Map<String, NDArray> secondMoments() {
    return secondMoments;
  }

  /** Restores the state a checkpoint saved. */
  public void restore(long updateCount) {
    this.updates = updateCount;
  }
}

package org.emoflow.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.emoflow.model.nn.Parameters;

/**
 * AdamW as PyTorch defines it: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr wd p (decoupled, only
 * where {@link Parameters.Parameter#decay()}), p -= lr m_hat / (sqrt(v_hat) + eps) with bias correction.
 *
 * <p>On the CPU each tensor is updated in one pass over its own memory: as a dozen tensor operations, each
 * allocating a temporary, the update took about five times as long (measured with 64 experts per layer).
 * On other devices it runs as tensor operations whose temporaries live in a per-tensor scratch manager.
 */
public final class AdamW {
  private static final int CHUNK = 4096;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final boolean onHostWherePossible;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private long updates;
  private final float[] chunkP = new float[CHUNK];
  private final float[] chunkG = new float[CHUNK];
  private final float[] chunkM = new float[CHUNK];
  private final float[] chunkV = new float[CHUNK];

  public AdamW(Parameters parameters, TrainConfig config) {
    this(parameters, config, true);
  }

  /** {@code onHostWherePossible = false} forces tensor operations everywhere (tests compare the two). */
  AdamW(Parameters parameters, TrainConfig config, boolean onHostWherePossible) {
    this.beta1 = config.beta1();
    this.beta2 = config.beta2();
    this.epsilon = config.epsilon();
    this.weightDecay = config.weightDecay();
    this.onHostWherePossible = onHostWherePossible;
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
    double stepSize = learningRate / correction1;
    for (Parameters.Parameter p : parameters.all()) {
      NDArray m = firstMoments.get(p.name());
      NDArray v = secondMoments.get(p.name());
      double decayFactor = p.decay() && weightDecay > 0 ? 1 - learningRate * weightDecay : 1;
      if (onHostWherePossible && HostMemory.holds(p.array())) {
        updateOnHost(p.array(), m, v, (float) gradientScale, (float) decayFactor, (float) correction2,
            (float) stepSize);
      } else {
        updateWithTensorOps(parameters.manager(), p.array(), m, v, gradientScale, decayFactor, correction2,
            stepSize);
      }
    }
  }

  private void updateOnHost(NDArray parameter, NDArray firstMoment, NDArray secondMoment, float gradientScale,
      float decayFactor, float correction2, float stepSize) {
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float oneMinusB1 = (float) (1 - beta1);
    float oneMinusB2 = (float) (1 - beta2);
    float eps = (float) epsilon;
    try (NDArray gradient = parameter.getGradient()) {
      FloatBuffer p = HostMemory.floats(parameter);
      FloatBuffer g = HostMemory.floats(gradient);
      FloatBuffer m = HostMemory.floats(firstMoment);
      FloatBuffer v = HostMemory.floats(secondMoment);
      // Chunks are copied into arrays: loops over arrays vectorise, loops over direct buffers do not.
      for (int start = 0, n = p.limit(); start < n; start += CHUNK) {
        int length = Math.min(CHUNK, n - start);
        p.get(start, chunkP, 0, length);
        g.get(start, chunkG, 0, length);
        m.get(start, chunkM, 0, length);
        v.get(start, chunkV, 0, length);
        for (int i = 0; i < length; i++) {
          float gi = chunkG[i] * gradientScale;
          float mi = chunkM[i] * b1 + gi * oneMinusB1;
          float vi = chunkV[i] * b2 + gi * gi * oneMinusB2;
          chunkM[i] = mi;
          chunkV[i] = vi;
          float denominator = (float) Math.sqrt(vi / correction2) + eps;
          chunkP[i] = chunkP[i] * decayFactor - mi / denominator * stepSize;
        }
        p.put(start, chunkP, 0, length);
        m.put(start, chunkM, 0, length);
        v.put(start, chunkV, 0, length);
      }
    }
  }

  private void updateWithTensorOps(NDManager owner, NDArray parameter, NDArray m, NDArray v, double gradientScale,
      double decayFactor, double correction2, double stepSize) {
    try (NDManager scratch = owner.newSubManager()) {
      NDArray gradient = parameter.getGradient();
      gradient.attach(scratch);
      NDArray g = gradient.mul((float) gradientScale);
      m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
      v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
      if (decayFactor != 1) {
        parameter.muli((float) decayFactor);
      }
      // Results join their first operand's manager: those of m and v are moved to the scratch one.
      NDArray denominator = v.div((float) correction2);
      denominator.attach(scratch);
      NDArray step = m.div(denominator.sqrt().addi((float) epsilon));
      step.attach(scratch);
      parameter.subi(step.muli((float) stepSize));
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

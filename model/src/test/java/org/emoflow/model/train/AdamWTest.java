package org.emoflow.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.emoflow.model.Compute;
import org.emoflow.model.nn.Parameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AdamW} against PyTorch's AdamW written out in double precision, both ways it can run: in place over
 * the CPU tensors' memory and as tensor operations (what other devices use).
 */
class AdamWTest {
  private static final double LR = 0.01;
  /** beta1 0.9, beta2 0.95, eps 1e-8, weight decay 0.1. */
  private static final TrainConfig CONFIG = TrainConfig.defaults(10, 0);
  private static final float[] WEIGHT = {0.5f, -1.0f, 2.0f, 0.25f};
  private static final float[] NORM = {1.0f, 1.0f};
  /** Per step: the gradients of the decayed weight (its last entry never gets one) and of the norm. */
  private static final float[][] WEIGHT_GRADIENTS = {{0.3f, -2.0f, 1e-3f, 0f}, {-0.6f, 1.0f, 4e-3f, 0f}};
  private static final float[][] NORM_GRADIENTS = {{0.2f, -0.1f}, {0.5f, 0.05f}};
  /** The second step's gradients are clipped to half. */
  private static final double[] SCALES = {1.0, 0.5};

  @ParameterizedTest(name = "in place on the host: {0}")
  @ValueSource(booleans = {true, false})
  void twoStepsMatchPyTorchAdamWWithDecayOnlyWhereAsked(boolean onHost) {
    try (NDManager manager = Compute.newManager()) {
      Parameters parameters = new Parameters(manager, 0);
      NDArray weight = parameters.normal("weight", new Shape(WEIGHT.length), 1.0, true);
      NDArray norm = parameters.ones("norm", new Shape(NORM.length));
      weight.set(WEIGHT);
      AdamW optimizer = new AdamW(parameters, CONFIG, onHost);
      Reference expectedWeight = new Reference(WEIGHT, true);
      Reference expectedNorm = new Reference(NORM, false);
      for (int step = 0; step < 2; step++) {
        setGradients(manager, weight, WEIGHT_GRADIENTS[step], norm, NORM_GRADIENTS[step]);
        int arraysBefore = manager.getManagedArrays().size();
        optimizer.update(parameters, LR, SCALES[step]);
        // Temporaries must not outlive the update: a leak here grew a 64-expert run by 0.5 GB a step.
        assertEquals(arraysBefore, manager.getManagedArrays().size(), "arrays left in the parameters' manager");
        expectedWeight.update(WEIGHT_GRADIENTS[step], SCALES[step], step + 1);
        expectedNorm.update(NORM_GRADIENTS[step], SCALES[step], step + 1);
        assertClose(expectedWeight.values, weight.toFloatArray(), "weight after step " + (step + 1));
        assertClose(expectedNorm.values, norm.toFloatArray(), "norm after step " + (step + 1));
        assertClose(expectedWeight.firstMoment, optimizer.firstMoments().get("weight").toFloatArray(), "exp_avg");
        assertClose(expectedWeight.secondMoment, optimizer.secondMoments().get("weight").toFloatArray(), "exp_avg_sq");
      }
      assertEquals(2, optimizer.updates());
      // An entry without gradient only decays: 0.25 (1 - lr wd)^2.
      assertEquals(0.25 * Math.pow(1 - LR * 0.1, 2), weight.toFloatArray()[3], 1e-7);
    }
  }

  /** d(sum(w * gw) + sum(n * gn)) gives exactly gw and gn. */
  private static void setGradients(NDManager manager, NDArray weight, float[] weightGradient, NDArray norm,
      float[] normGradient) {
    JniUtils.zeroGrad((PtNDArray) weight);
    JniUtils.zeroGrad((PtNDArray) norm);
    try (NDManager step = manager.newSubManager();
        GradientCollector collector = Compute.engine().newGradientCollector()) {
      collector.backward(weight.mul(step.create(weightGradient)).sum().add(norm.mul(step.create(normGradient)).sum()));
    }
  }

  private static void assertClose(double[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
    }
  }

  /** torch.optim.AdamW's update, one tensor, double precision. */
  private static final class Reference {
    final double[] values;
    final double[] firstMoment;
    final double[] secondMoment;
    private final boolean decay;

    Reference(float[] initial, boolean decay) {
      values = new double[initial.length];
      for (int i = 0; i < initial.length; i++) {
        values[i] = initial[i];
      }
      firstMoment = new double[initial.length];
      secondMoment = new double[initial.length];
      this.decay = decay;
    }

    void update(float[] gradient, double scale, int step) {
      double correction1 = 1 - Math.pow(CONFIG.beta1(), step);
      double correction2 = 1 - Math.pow(CONFIG.beta2(), step);
      for (int i = 0; i < values.length; i++) {
        double g = gradient[i] * scale;
        if (decay) {
          values[i] *= 1 - LR * CONFIG.weightDecay();
        }
        firstMoment[i] = CONFIG.beta1() * firstMoment[i] + (1 - CONFIG.beta1()) * g;
        secondMoment[i] = CONFIG.beta2() * secondMoment[i] + (1 - CONFIG.beta2()) * g * g;
        double denominator = Math.sqrt(secondMoment[i]) / Math.sqrt(correction2) + CONFIG.epsilon();
        values[i] -= LR / correction1 * firstMoment[i] / denominator;
      }
    }
  }
}

package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MoeLayer}'s sparse, sorted dispatch against a dense reference in double precision that runs
 * every routed expert on every token and weights the outputs by the chosen gates.
 */
class MoeLayerTest {
  private static final double TOLERANCE = 1e-5;
  private static final String NAME = "blocks.0.moe";
  /** Two rows of 8: documents of 5 and 3 tokens; one of 6 tokens and 2 padding tokens. */
  private static final PackedBatch BATCH = new PackedBatch(List.of(
      TestBatches.row(8, TestBatches.run(3, 5), TestBatches.run(30, 3)),
      TestBatches.row(8, TestBatches.run(60, 6))));

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @ParameterizedTest
  @EnumSource(value = RouterKind.class, names = {"STANDARD", "EMO"})
  void sparseDispatchEqualsDenseReferenceAndPaddingGetsNoRoutedOutput(RouterKind kind) {
    ModelConfig config = TestModels.tiny(kind, BATCH.length);
    int routed = config.routedExperts();
    int k = config.topK();
    int d = config.dModel();
    Parameters parameters = new Parameters(manager, 11);
    MoeLayer layer = new MoeLayer(parameters, NAME, 0, config, 0.2, 0.2);
    double[][] x = gaussian(BATCH.totalTokens(), d, 5);
    PoolSizes pools = kind == RouterKind.EMO ? PoolSizes.fixed(config, BATCH.segments, 3) : null;
    ForwardContext context = new ForwardContext(new BatchTensors(BATCH, manager, true), config.layers(), pools, null, true);
    float[] output = layer.forward(manager.create(flatten(x), new Shape(x.length, d)), context).toFloatArray();
    LayerRouting routing = context.routing(0);

    ReferenceRouting expected = new ReferenceRouting(multiply(x, matrix(parameters, NAME + ".router.weight")),
        BATCH.segmentOfToken, BATCH.segments, pools == null ? null : pools.forLayer(0), null, k);
    float[] gates = routing.topWeights().toFloatArray();
    float[] outputNorms = routing.expertOutputNorms().toFloatArray();
    long[] assignments = new long[routed];
    for (int t = 0; t < x.length; t++) {
      double[][] expertOutputs = new double[routed][];
      for (int e = 0; e < routed; e++) {
        expertOutputs[e] = swiGlu(parameters, NAME + ".experts." + e, x[t]);
      }
      double[] reference = swiGlu(parameters, NAME + ".shared_expert", x[t]);
      for (int j = 0; j < k; j++) {
        int expert = (int) routing.topExperts()[t * k + j];
        assertEquals(expected.top[t][j], expert, "choice " + j + " of token " + t);
        assertEquals(expected.probabilities[t][expert], gates[t * k + j], TOLERANCE, "gate " + j + " of token " + t);
        // Padding tokens are routed (the router sees every row, gate > 0) but never dispatched.
        assertTrue(gates[t * k + j] > 0);
        double gate = BATCH.padding[t] ? 0 : gates[t * k + j];
        for (int i = 0; i < d; i++) {
          reference[i] += gate * expertOutputs[expert][i];
        }
        double norm = BATCH.padding[t] ? 0 : Math.sqrt(dot(expertOutputs[expert], expertOutputs[expert]));
        assertEquals(norm, outputNorms[t * k + j], TOLERANCE, "output norm of slot " + j + " of token " + t);
        assignments[expert] += BATCH.padding[t] ? 0 : 1;
      }
      for (int i = 0; i < d; i++) {
        assertEquals(reference[i], output[t * d + i], TOLERANCE, "output " + i + " of token " + t);
      }
    }
    assertArrayEquals(assignments, routing.assignments());
    assertEquals(2, BATCH.totalTokens() - BATCH.realTokens, "the batch holds padding tokens");
    assertTrue(Arrays.stream(assignments).filter(n -> n > 0).count() >= 4,
        "several experts receive tokens, so the grouped dispatch is exercised");
  }

  /** down(silu(gate x) * up x), in double precision from the stored float weights. */
  private static double[] swiGlu(Parameters parameters, String name, double[] x) {
    double[] gate = multiply(x, matrix(parameters, name + ".gate_proj.weight"));
    double[] up = multiply(x, matrix(parameters, name + ".up_proj.weight"));
    double[] hidden = new double[gate.length];
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
    }
    return multiply(hidden, matrix(parameters, name + ".down_proj.weight"));
  }

  /** A weight stored [out, in], as PyTorch stores it. */
  private static double[][] matrix(Parameters parameters, String name) {
    NDArray weight = parameters.get(name);
    int rows = (int) weight.getShape().get(0);
    int columns = (int) weight.getShape().get(1);
    float[] values = weight.toFloatArray();
    double[][] matrix = new double[rows][columns];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        matrix[r][c] = values[r * columns + c];
      }
    }
    return matrix;
  }

  /** W x for one vector. */
  private static double[] multiply(double[] x, double[][] weight) {
    double[] y = new double[weight.length];
    for (int r = 0; r < weight.length; r++) {
      y[r] = dot(weight[r], x);
    }
    return y;
  }

  /** x W^T for every row of x. */
  private static double[][] multiply(double[][] x, double[][] weight) {
    double[][] y = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      y[t] = multiply(x[t], weight);
    }
    return y;
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  /** Values representable in float32, so the layer and the reference see the same input. */
  private static double[][] gaussian(int rows, int columns, long seed) {
    Random random = new Random(seed);
    double[][] values = new double[rows][columns];
    for (double[] row : values) {
      for (int i = 0; i < columns; i++) {
        row[i] = (float) random.nextGaussian();
      }
    }
    return values;
  }

  private static float[] flatten(double[][] matrix) {
    float[] flat = new float[matrix.length * matrix[0].length];
    for (int r = 0; r < matrix.length; r++) {
      for (int c = 0; c < matrix[r].length; c++) {
        flat[r * matrix[r].length + c] = (float) matrix[r][c];
      }
    }
    return flat;
  }
}

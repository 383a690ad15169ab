package org.emoflow.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestMemory;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autograd against central differences on a one-layer EMO model with a pool (3 of 7 routed experts), so
 * gradients pass through attention, the experts, the gates and the pool-masked router softmax. The
 * scalar is the cross-entropy plus terms on the router probabilities and log-sum-exp (what the
 * load-balancing and z-losses differentiate).
 *
 * <p>Everything runs in float32: the loss (tens of nats) carries rounding noise of ~1e-6 relative, so a
 * difference over 2 x 1e-2 is good to ~1e-3 absolute, and the truncation error of central differences
 * (eps^2 f''' / 6) is of the same order. The checked entries are each tensor's largest-gradient ones
 * (|g| > 0.1, asserted), where a relative tolerance of 1e-2 is what float32 supports. Top-k and pool
 * choices are discontinuous: every perturbed pass must route exactly as the unperturbed one, which the
 * test asserts rather than assumes.
 */
class GradientCheckTest {
  private static final double EPSILON = 1e-2;
  private static final double RELATIVE_TOLERANCE = 1e-2;
  private static final int POOL = 3;
  /** One layer, d 16, 2 heads, 7 routed experts (top-2) of width 8; init std 0.3 for gradients well above noise. */
  private static final ModelConfig CONFIG = ModelConfig.builder().vocabSize(128).dModel(16).layers(1).heads(2)
      .experts(8).topK(2).expertHidden(8).seqLen(10).router(RouterKind.EMO).pool(POOL, POOL).initStd(0.3).build();
  /** Two documents of 4 tokens and 2 padding tokens. */
  private static final PackedBatch BATCH =
      new PackedBatch(List.of(TestBatches.row(10, TestBatches.run(5, 4), TestBatches.run(50, 4))));
  private static final List<String> CHECKED = List.of(
      "embed.weight", "blocks.0.attn_norm.weight", "blocks.0.attn.q_proj.weight", "blocks.0.attn.k_proj.weight",
      "blocks.0.attn.v_proj.weight", "blocks.0.attn.o_proj.weight", "blocks.0.ffn_norm.weight",
      "blocks.0.moe.router.weight", "blocks.0.moe.shared_expert.gate_proj.weight", "final_norm.weight",
      "lm_head.weight");

  private static NDManager manager;
  private static LanguageModel model;
  private static PoolSizes pools;
  private static float[] coefficients;

  @BeforeAll
  static void build() {
    manager = Compute.newManager();
    model = new LanguageModel(CONFIG, manager, 3);
    pools = PoolSizes.fixed(CONFIG, BATCH.segments, POOL);
    Random random = new Random(4);
    coefficients = new float[BATCH.totalTokens() * CONFIG.routedExperts()];
    for (int i = 0; i < coefficients.length; i++) {
      coefficients[i] = (float) random.nextGaussian();
    }
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  @Test
  void autogradMatchesCentralDifferences() throws InterruptedException {
    Evaluation unperturbed = evaluate();
    Map<String, float[]> gradients = gradients();
    for (String name : concat(CHECKED, expertTensors(mostUsed(unperturbed.assignments())))) {
      float[] gradient = gradients.get(name);
      for (int index : largestMagnitudes(gradient, 2)) {
        assertTrue(Math.abs(gradient[index]) > 0.1, name + ": gradient far above the float32 noise of ~1e-3");
        double numeric = centralDifference(name, index, unperturbed.routing());
        assertEquals(numeric, gradient[index], RELATIVE_TOLERANCE * Math.abs(numeric), name + "[" + index + "]");
      }
    }
  }

  @Test
  void anExpertNoTokenChoseGetsNoGradient() throws InterruptedException {
    Evaluation unperturbed = evaluate();
    Map<String, float[]> gradients = gradients();
    int unused = IntStream.range(0, CONFIG.routedExperts()).filter(e -> unperturbed.assignments()[e] == 0)
        .findFirst().orElseThrow(() -> new AssertionError("two documents' pools of 3 leave one of 7 experts unchosen"));
    for (String name : expertTensors(unused)) {
      float[] gradient = gradients.get(name);
      assertTrue(IntStream.range(0, gradient.length).allMatch(i -> gradient[i] == 0f), name);
      assertEquals(0.0, centralDifference(name, 0, unperturbed.routing()), name);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  private static int mostUsed(long[] assignments) {
    return IntStream.range(0, assignments.length).boxed()
        .max(Comparator.comparingLong(e -> assignments[e])).orElseThrow();
  }

  private static List<String> expertTensors(int expert) {
    String prefix = "blocks.0.moe.experts." + expert;
    return List.of(prefix + ".gate_proj.weight", prefix + ".up_proj.weight", prefix + ".down_proj.weight");
  }

  /** The loss, and the routing decisions (top-k choices and pools) as one comparable string. */
  private record Evaluation(double loss, String routing, long[] assignments) {}

  private static Evaluation evaluate() {
    try (NDManager step = model.manager().newSubManager()) {
      ForwardContext context = TestModels.context(model, BATCH, step, pools);
      double loss = objective(context, step).getFloat();
      LayerRouting routing = context.routing(0);
      String decisions = Arrays.toString(routing.topExperts()) + Arrays.toString(routing.pool().toBooleanArray());
      return new Evaluation(loss, decisions, routing.assignments());
    }
  }

  private static NDArray objective(ForwardContext context, NDManager step) {
    NDArray crossEntropy = model.targetLogProbabilities(model.hidden(context), context.batch).sum().neg();
    LayerRouting routing = context.routing(0);
    NDArray probabilityTerm = routing.probabilities()
        .mul(step.create(coefficients, new Shape(BATCH.totalTokens(), CONFIG.routedExperts()))).sum();
    return crossEntropy.add(probabilityTerm).add(Scalars.multiply(routing.logSumExp().square().sum(), 0.1));
  }

  /**
   * Every parameter's autograd gradient from one backward pass. Freed Java memory is reclaimed and
   * poisoned between the forward and the backward pass, so a tensor autograd saved over memory that
   * nothing keeps alive (DJL's mul(Number), see Scalars) shows up as a wrong gradient.
   */
  private static Map<String, float[]> gradients() throws InterruptedException {
    Map<String, float[]> gradients = new HashMap<>();
    try (NDManager step = model.manager().newSubManager();
        GradientCollector collector = Compute.engine().newGradientCollector()) {
      NDArray objective = objective(TestModels.context(model, BATCH, step, pools), step);
      List<ByteBuffer> poison = TestMemory.reclaimAndPoisonFreedDirectMemory();
      collector.backward(objective);
      Reference.reachabilityFence(poison);
    }
    for (Parameters.Parameter p : model.parameters().all()) {
      try (NDArray gradient = p.array().getGradient()) {
        gradients.put(p.name(), gradient.toFloatArray());
      }
      JniUtils.zeroGrad((PtNDArray) p.array());
    }
    return gradients;
  }

  /** (L(w + e) - L(w - e)) / (2e), with e the perturbation float32 actually applies. */
  private static double centralDifference(String name, int index, String routing) {
    NDArray parameter = model.parameters().get(name);
    float[] values = parameter.toFloatArray();
    float original = values[index];
    float plus = (float) (original + EPSILON);
    float minus = (float) (original - EPSILON);
    double[] losses = new double[2];
    float[] settings = {plus, minus};
    for (int i = 0; i < 2; i++) {
      values[index] = settings[i];
      parameter.set(values);
      Evaluation perturbed = evaluate();
      assertEquals(routing, perturbed.routing(), "perturbing " + name + "[" + index + "] changed the routing");
      losses[i] = perturbed.loss();
    }
    values[index] = original;
    parameter.set(values);
    return (losses[0] - losses[1]) / ((double) plus - minus);
  }

  private static int[] largestMagnitudes(float[] values, int count) {
    return IntStream.range(0, values.length).boxed()
        .sorted((a, b) -> Float.compare(Math.abs(values[b]), Math.abs(values[a])))
        .limit(count).mapToInt(Integer::intValue).toArray();
  }
}

package org.emoflow.model;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.emoflow.model.io.Json;

/**
 * Everything that defines the architecture and its routing; written as {@code config.json} beside every
 * checkpoint so that a reader needs nothing else. Expert counts include the shared expert: {@code
 * experts - 1} are routed, of which each token uses {@code topK}.
 */
public record ModelConfig(
    int vocabSize,
    int dModel,
    int layers,
    int heads,
    int experts,
    int topK,
    int expertHidden,
    int seqLen,
    RouterKind router,
    int poolMin,
    int poolMax,
    int evalPool,
    double lbWeight,
    double zLossWeight,
    double ropeTheta,
    boolean intraDocumentMask,
    double normEps,
    double initStd) {

  public static final List<String> PRESETS = List.of("tiny", "small", "paper");

  public ModelConfig {
    require(vocabSize > 0, "vocab_size must be positive");
    require(dModel > 0 && layers > 0 && heads > 0, "d_model, layers and heads must be positive");
    require(dModel % heads == 0, "d_model (" + dModel + ") must be a multiple of heads (" + heads + ")");
    require((dModel / heads) % 2 == 0, "head dimension must be even for rotary embeddings");
    require(expertHidden > 0 && seqLen > 0, "expert_hidden and seq_len must be positive");
    if (router.isMoe()) {
      requireSetting(experts >= 2, "experts", experts, "must count one shared and at least one routed expert");
      requireSetting(topK >= 1 && topK < experts, "top_k", topK,
          "must be at least 1 and below experts (" + experts + ", the shared one included)");
    }
    if (router == RouterKind.EMO) {
      int routed = experts - 1;
      requireSetting(poolMin >= topK, "pool_min", poolMin, "must be at least top_k (" + topK + ")");
      requireSetting(poolMax >= poolMin, "pool_max", poolMax, "must be at least pool_min (" + poolMin + ")");
      // A pool is drawn from the routed experts; a larger M would silently mean "no pool".
      requireSetting(poolMax <= routed, "pool_max", poolMax,
          "must be at most the routed experts (" + routed + ": experts " + experts + " less the shared one)");
      requireSetting(evalPool == 0 || (evalPool >= topK && evalPool <= routed), "eval_pool", evalPool,
          "must be 0 (no pool) or from top_k (" + topK + ") to the routed experts (" + routed + ")");
    }
    require(lbWeight >= 0 && zLossWeight >= 0, "loss weights must be non-negative");
    require(normEps > 0 && initStd > 0 && ropeTheta > 0, "norm_eps, init_std and rope_theta must be positive");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  private static void requireSetting(boolean condition, String key, int value, String problem) {
    if (!condition) {
      throw new InvalidSettingException(key, value, problem);
    }
  }

  /** One setting out of range, named by its config.json key so that a command can name its own option. */
  public static final class InvalidSettingException extends IllegalArgumentException {
    private final String key;
    private final int value;
    private final String problem;

    InvalidSettingException(String key, int value, String problem) {
      super(key + " (" + value + ") " + problem);
      this.key = key;
      this.value = value;
      this.problem = problem;
    }

    public String key() {
      return key;
    }

    public int value() {
      return value;
    }

    public String problem() {
      return problem;
    }
  }

  public int routedExperts() {
    return experts - 1;
  }

  public int headDim() {
    return dModel / heads;
  }

  /** The dense baseline's hidden size: the routed top-k plus the shared expert's active parameters. */
  public int denseHidden() {
    return expertHidden * (topK + 1);
  }

  /**
   * A named shape. Pools run from top_k + 1 to all routed experts, as in the paper (8..128 for 127
   * routed experts, k = 7). The CPU presets use the load-balancing weight of the spec's CPU reproduction.
   */
  public static ModelConfig preset(String name, int vocabSize, int seqLen, RouterKind router) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "tiny" -> new ModelConfig(padVocab(vocabSize), 32, 2, 2, 8, 2, 32, seqLen, router,
          3, 7, 0, 0.05, 1e-3, 10_000, true, 1e-6, 0.02);
      case "small" -> new ModelConfig(padVocab(vocabSize), 128, 4, 4, 32, 3, 256, seqLen, router,
          4, 31, 0, 0.05, 1e-3, 10_000, true, 1e-6, 0.02);
      case "paper" -> new ModelConfig(padVocab(vocabSize), 2048, 16, 16, 128, 7, 1024, seqLen, router,
          8, 127, 32, 0.1, 1e-3, 500_000, true, 1e-6, 0.02);
      default -> throw new IllegalArgumentException(
          "unknown preset '" + name + "', expected one of " + PRESETS);
    };
  }

  /** Embedding rows padded to a multiple of 128, as dolma2's 100352; padded ids are never targets. */
  public static int padVocab(int vocabSize) {
    return (vocabSize + 127) / 128 * 128;
  }

  public ModelConfig withRouter(RouterKind kind) {
    return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, kind,
        poolMin, poolMax, evalPool, lbWeight, zLossWeight, ropeTheta, intraDocumentMask, normEps, initStd);
  }

  /** The same architecture with fewer experts per layer: what a pruned checkpoint holds. */
  public ModelConfig withExperts(int keptExperts) {
    int routed = keptExperts - 1;
    return new ModelConfig(vocabSize, dModel, layers, heads, keptExperts, topK, expertHidden, seqLen, router,
        Math.min(poolMin, routed), Math.min(poolMax, routed), Math.min(evalPool, routed), lbWeight,
        zLossWeight, ropeTheta, intraDocumentMask, normEps, initStd);
  }

  public ModelConfig withEvalPool(int pool) {
    return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, router,
        poolMin, poolMax, pool, lbWeight, zLossWeight, ropeTheta, intraDocumentMask, normEps, initStd);
  }

  public ModelConfig withLossWeights(double lb, double z) {
    return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, router,
        poolMin, poolMax, evalPool, lb, z, ropeTheta, intraDocumentMask, normEps, initStd);
  }

  public ModelConfig withIntraDocumentMask(boolean mask) {
    return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, router,
        poolMin, poolMax, evalPool, lbWeight, zLossWeight, ropeTheta, mask, normEps, initStd);
  }

  public ModelConfig withPool(int min, int max) {
    return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, router,
        min, max, evalPool, lbWeight, zLossWeight, ropeTheta, intraDocumentMask, normEps, initStd);
  }

  /** Total parameters, and those a token uses (embedding rows count once, both tables in full). */
  public long parameterCount() {
    long attention = 4L * dModel * dModel;
    long norms = 2L * dModel;
    long ffn = router.isMoe()
        ? (long) experts * 3 * dModel * expertHidden + (long) routedExperts() * dModel
        : 3L * dModel * denseHidden();
    return 2L * vocabSize * dModel + dModel + layers * (attention + norms + ffn);
  }

  public long activeParameterCount() {
    long attention = 4L * dModel * dModel;
    long norms = 2L * dModel;
    long ffn = router.isMoe()
        ? (long) (topK + 1) * 3 * dModel * expertHidden + (long) routedExperts() * dModel
        : 3L * dModel * denseHidden();
    return 2L * vocabSize * dModel + dModel + layers * (attention + norms + ffn);
  }

  public String toJson() {
    return Json.write(this);
  }

  public static ModelConfig fromJson(String json) throws IOException {
    return Json.read(json, ModelConfig.class);
  }
}

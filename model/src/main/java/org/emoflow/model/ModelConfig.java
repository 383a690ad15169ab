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
    require(router != null, "router must be set");
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
    Builder shape = builder().vocabSize(padVocab(vocabSize)).seqLen(seqLen).router(router);
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "tiny" -> shape.dModel(32).layers(2).heads(2).experts(8).topK(2).expertHidden(32).pool(3, 7).build();
      case "small" -> shape.dModel(128).layers(4).heads(4).experts(32).topK(3).expertHidden(256).pool(4, 31).build();
      case "paper" -> shape.dModel(2048).layers(16).heads(16).experts(128).topK(7).expertHidden(1024).pool(8, 127)
          .evalPool(32).lbWeight(0.1).ropeTheta(500_000).build();
      default -> throw new IllegalArgumentException(
          "unknown preset '" + name + "', expected one of " + PRESETS);
    };
  }

  /** Embedding rows padded to a multiple of 128, as dolma2's 100352; padded ids are never targets. */
  public static int padVocab(int vocabSize) {
    return (vocabSize + 127) / 128 * 128;
  }

  public ModelConfig withRouter(RouterKind kind) {
    return toBuilder().router(kind).build();
  }

  /** The same architecture with fewer experts per layer: what a pruned checkpoint holds. */
  public ModelConfig withExperts(int keptExperts) {
    int routed = keptExperts - 1;
    return toBuilder().experts(keptExperts).pool(Math.min(poolMin, routed), Math.min(poolMax, routed))
        .evalPool(Math.min(evalPool, routed)).build();
  }

  public ModelConfig withEvalPool(int pool) {
    return toBuilder().evalPool(pool).build();
  }

  public ModelConfig withLossWeights(double lb, double z) {
    return toBuilder().lbWeight(lb).zLossWeight(z).build();
  }

  public ModelConfig withIntraDocumentMask(boolean mask) {
    return toBuilder().intraDocumentMask(mask).build();
  }

  public ModelConfig withPool(int min, int max) {
    return toBuilder().pool(min, max).build();
  }

  /**
   * A config to fill in by name: the shape (vocabulary, widths, experts, sequence length, router) has no
   * default and must be set; the rest starts at the CPU presets' values.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** This config's settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder().vocabSize(vocabSize).dModel(dModel).layers(layers).heads(heads).experts(experts).topK(topK)
        .expertHidden(expertHidden).seqLen(seqLen).router(router).pool(poolMin, poolMax).evalPool(evalPool)
        .lbWeight(lbWeight).zLossWeight(zLossWeight).ropeTheta(ropeTheta).intraDocumentMask(intraDocumentMask)
        .normEps(normEps).initStd(initStd);
  }

  /** Settings by name; {@link #build} checks them as the constructor does. */
  public static final class Builder {
    private int vocabSize;
    private int dModel;
    private int layers;
    private int heads;
    private int experts;
    private int topK;
    private int expertHidden;
    private int seqLen;
    private RouterKind router;
    private int poolMin;
    private int poolMax;
    private int evalPool = 0;
    private double lbWeight = 0.05;
    private double zLossWeight = 1e-3;
    private double ropeTheta = 10_000;
    private boolean intraDocumentMask = true;
    private double normEps = 1e-6;
    private double initStd = 0.02;

    private Builder() {}

    public Builder vocabSize(int value) {
      vocabSize = value;
      return this;
    }

    public Builder dModel(int value) {
      dModel = value;
      return this;
    }

    public Builder layers(int value) {
      layers = value;
      return this;
    }

    public Builder heads(int value) {
      heads = value;
      return this;
    }

    /** Experts per layer, the shared one included. */
    public Builder experts(int value) {
      experts = value;
      return this;
    }

    public Builder topK(int value) {
      topK = value;
      return this;
    }

    public Builder expertHidden(int value) {
      expertHidden = value;
      return this;
    }

    public Builder seqLen(int value) {
      seqLen = value;
      return this;
    }

    public Builder router(RouterKind value) {
      router = value;
      return this;
    }

    /** The range EMO draws its training pool size from. */
    public Builder pool(int min, int max) {
      poolMin = min;
      poolMax = max;
      return this;
    }

    /** EMO's pool when evaluated; 0 for none. */
    public Builder evalPool(int value) {
      evalPool = value;
      return this;
    }

    public Builder lbWeight(double value) {
      lbWeight = value;
      return this;
    }

    public Builder zLossWeight(double value) {
      zLossWeight = value;
      return this;
    }

    public Builder ropeTheta(double value) {
      ropeTheta = value;
      return this;
    }

    public Builder intraDocumentMask(boolean value) {
      intraDocumentMask = value;
      return this;
    }

    public Builder normEps(double value) {
      normEps = value;
      return this;
    }

    public Builder initStd(double value) {
      initStd = value;
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(vocabSize, dModel, layers, heads, experts, topK, expertHidden, seqLen, router,
          poolMin, poolMax, evalPool, lbWeight, zLossWeight, ropeTheta, intraDocumentMask, normEps, initStd);
    }
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

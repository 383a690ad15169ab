package org.emoflow.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.io.Json;

/**
 * The Hugging Face layout of EMO's reference release ({@code model_type: "emo"}, {@code EmoForCausalLM},
 * loaded with trust_remote_code): {@code config.json} and safetensors with the reference modeling code's
 * names. Tensor names, emoflow on the left:
 *
 * <pre>
 * embed.weight                          model.embed_tokens.weight           [V, d]
 * blocks.{l}.attn_norm.weight           model.layers.{l}.pre_attention_layernorm.weight
 * blocks.{l}.attn.{q,k,v,o}_proj.weight model.layers.{l}.self_attn.{q,k,v,o}_proj.weight [d, d]
 * blocks.{l}.ffn_norm.weight            model.layers.{l}.pre_feedforward_layernorm.weight
 * blocks.{l}.moe.router.weight [E-1, d] model.layers.{l}.mlp.gate.weight [E, d]: the routed experts' rows,
 *                                       then the shared expert's (written as zeros: a softmax over that
 *                                       one row is 1 whatever it holds)
 * blocks.{l}.moe.experts.{i}.*          model.layers.{l}.mlp.experts.{i}.*  (i below E-1)
 * blocks.{l}.moe.shared_expert.*        model.layers.{l}.mlp.experts.{E-1}.*
 * blocks.{l}.ffn.* (dense)              model.layers.{l}.mlp.*              (num_experts_per_layer 0)
 * final_norm.weight                     model.norm.weight
 * lm_head.weight                        lm_head.weight                      [V, d]
 * </pre>
 *
 * {@code *} is {@code gate_proj.weight}, {@code up_proj.weight} or {@code down_proj.weight}. emoflow's own
 * settings ride along in config.json under {@value #EXTRAS} (the reference config keeps unknown keys).
 */
public final class HuggingFaceFormat {
  public static final String CONFIG = "config.json";
  public static final String PRUNING = "pruning_metadata.json";
  public static final String GENERATION = "generation_config.json";
  public static final String MODEL_TYPE = "emo";
  public static final String ARCHITECTURE = "EmoForCausalLM";
  /** config.json key holding the emoflow {@link ModelConfig} the export came from. */
  public static final String EXTRAS = "emoflow";

  /** Used when an imported config.json has no emoflow block and no positive max_position_embeddings. */
  public static final int DEFAULT_SEQ_LEN = 4096;
  public static final double DEFAULT_LB_WEIGHT = 0.1;
  public static final double DEFAULT_Z_LOSS_WEIGHT = 1e-3;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");
  private static final Pattern EXPERT = Pattern.compile("moe\\.experts\\.(\\d+)\\.(.+)");

  private HuggingFaceFormat() {}

  /** Whether the directory's config.json is a Hugging Face one (it names a model_type). */
  public static boolean isHuggingFace(Path directory) throws IOException {
    Path config = directory.resolve(CONFIG);
    if (!Files.isRegularFile(config)) {
      return false;
    }
    try {
      return JSON.readTree(config.toFile()).has("model_type");
    } catch (IOException e) {
      throw new CorruptCheckpointException(config + ": unreadable JSON (" + e.getMessage() + ")");
    }
  }

  /** The Hugging Face name of an emoflow tensor, given E of its layer (the shared expert is expert E-1). */
  public static String hfName(String name, int experts) {
    switch (name) {
      case "embed.weight":
        return "model.embed_tokens.weight";
      case "final_norm.weight":
        return "model.norm.weight";
      case "lm_head.weight":
        return "lm_head.weight";
      default:
        break;
    }
    Matcher block = BLOCK.matcher(name);
    if (!block.matches()) {
      throw new IllegalArgumentException("not an emoflow tensor name: " + name);
    }
    String layer = "model.layers." + block.group(1) + ".";
    String rest = block.group(2);
    Matcher expert = EXPERT.matcher(rest);
    if (expert.matches()) {
      return layer + "mlp.experts." + expert.group(1) + "." + expert.group(2);
    }
    if (rest.startsWith("moe.shared_expert.")) {
      return layer + "mlp.experts." + (experts - 1) + "." + rest.substring("moe.shared_expert.".length());
    }
    if (rest.equals("moe.router.weight")) {
      return layer + "mlp.gate.weight";
    }
    if (rest.startsWith("ffn.")) {
      return layer + "mlp." + rest.substring("ffn.".length());
    }
    if (rest.startsWith("attn.")) {
      return layer + "self_attn." + rest.substring("attn.".length());
    }
    return switch (rest) {
      case "attn_norm.weight" -> layer + "pre_attention_layernorm.weight";
      case "ffn_norm.weight" -> layer + "pre_feedforward_layernorm.weight";
      default -> throw new IllegalArgumentException("not an emoflow tensor name: " + name);
    };
  }

  /**
   * config.json for this model.
   *
   * @param perLayerExperts write {@code num_experts_per_layer} (the reference's pruned models carry it)
   * @param eosId the end-of-document id, or null when unknown
   * @param padId the padding id, or null when unknown
   */
  public static ObjectNode config(ModelConfig config, Safetensors.DType dtype, boolean perLayerExperts, Integer eosId,
      Integer padId) {
    ObjectNode json = JSON.createObjectNode();
    json.putArray("architectures").add(ARCHITECTURE);
    json.put("model_type", MODEL_TYPE);
    ObjectNode autoMap = json.putObject("auto_map");
    autoMap.put("AutoConfig", "configuration_emo.EmoConfig");
    autoMap.put("AutoModelForCausalLM", "modeling_emo.EmoForCausalLM");
    json.put("vocab_size", config.vocabSize());
    json.put("hidden_size", config.dModel());
    json.put("num_hidden_layers", config.layers());
    json.put("num_attention_heads", config.heads());
    json.put("num_key_value_heads", config.heads());
    json.put("hidden_act", "silu");
    json.put("max_position_embeddings", config.seqLen());
    json.put("initializer_range", config.initStd());
    json.put("rms_norm_eps", config.normEps());
    json.put("rope_theta", config.ropeTheta());
    json.putNull("rope_scaling");
    json.put("attention_bias", false);
    json.put("attention_dropout", 0.0);
    json.put("tie_word_embeddings", false);
    json.put("use_cache", true);
    json.put("norm_topk_prob", false);
    json.put("output_router_logits", false);
    json.put("router_aux_loss_coef", config.lbWeight());
    json.put("torch_dtype", dtype == Safetensors.DType.BF16 ? "bfloat16" : "float32");
    if (config.router().isMoe()) {
      json.put("intermediate_size", config.expertHidden());
      json.put("num_experts", config.experts());
      json.put("num_experts_per_tok", config.topK() + 1);
      json.put("num_shared_experts", 1);
      if (perLayerExperts) {
        ArrayNode counts = json.putArray("num_experts_per_layer");
        ArrayNode shared = json.putArray("num_shared_experts_per_layer");
        for (int l = 0; l < config.layers(); l++) {
          counts.add(config.experts());
          shared.add(1);
        }
      }
    } else {
      // The reference builds a dense layer where a layer's expert count is 0.
      json.put("intermediate_size", config.denseHidden());
      json.put("dense_intermediate_size", config.denseHidden());
      json.put("num_experts", 0);
      json.put("num_experts_per_tok", 0);
      json.put("num_shared_experts", 0);
      ArrayNode counts = json.putArray("num_experts_per_layer");
      ArrayNode shared = json.putArray("num_shared_experts_per_layer");
      for (int l = 0; l < config.layers(); l++) {
        counts.add(0);
        shared.add(0);
      }
    }
    if (eosId != null) {
      json.put("eos_token_id", eosId);
    } else {
      json.putNull("eos_token_id");
    }
    if (padId != null) {
      json.put("pad_token_id", padId);
    } else {
      json.putNull("pad_token_id");
    }
    json.putNull("bos_token_id");
    json.set(EXTRAS, Json.MAPPER.valueToTree(config));
    return json;
  }

  /**
   * The model a Hugging Face config.json describes, refused (naming the key) where it is not the
   * architecture emoflow implements. Settings it does not carry come from its {@value #EXTRAS} block, else
   * from the defaults docs/huggingface.md lists.
   */
  public static ModelConfig modelConfig(JsonNode json, Path file) throws CorruptCheckpointException {
    Check check = new Check(json, file);
    String modelType = json.path("model_type").asText();
    if (!modelType.equals(MODEL_TYPE)) {
      throw check.refuse("model_type", "is '" + modelType + "'; emoflow reads '" + MODEL_TYPE + "' (" + ARCHITECTURE + ")");
    }
    int vocab = check.positive("vocab_size");
    int d = check.positive("hidden_size");
    int layers = check.positive("num_hidden_layers");
    int heads = check.positive("num_attention_heads");
    check.equalTo("num_key_value_heads", heads, "grouped-query attention is not supported");
    check.equalTo("head_dim", d / heads, "the head dimension must be hidden_size / num_attention_heads");
    check.text("hidden_act", "silu");
    check.falseOrAbsent("attention_bias");
    check.falseOrAbsent("tie_word_embeddings");
    check.falseOrAbsent("norm_topk_prob");
    check.falseOrAbsent("ghost_extend_eval");
    check.falseOrAbsent("dense_mlp_bias");
    JsonNode scaling = json.path("rope_scaling");
    if (!scaling.isMissingNode() && !scaling.isNull()
        && !"default".equals(scaling.path("rope_type").asText(scaling.path("type").asText()))) {
      throw check.refuse("rope_scaling", "is " + scaling + "; only plain rotary embeddings are supported");
    }
    for (String key : new String[] {"always_active_experts", "always_active_experts_per_layer"}) {
      JsonNode value = json.path(key);
      if (!value.isMissingNode() && !value.isNull() && !value.isEmpty()) {
        throw check.refuse(key, "is set; emoflow models have exactly one shared expert, the last one");
      }
    }
    JsonNode extras = json.path(EXTRAS);
    ModelConfig saved = null;
    if (extras.isObject()) {
      try {
        saved = Json.MAPPER.treeToValue(extras, ModelConfig.class);
      } catch (IOException | IllegalArgumentException e) {
        throw check.refuse(EXTRAS, "is not an emoflow model config (" + e.getMessage() + ")");
      }
    }

    int experts = check.integer("num_experts", 0);
    JsonNode perLayer = json.path("num_experts_per_layer");
    if (perLayer.isArray()) {
      if (perLayer.size() != layers) {
        throw check.refuse("num_experts_per_layer", "has " + perLayer.size() + " entries for " + layers + " layers");
      }
      int first = perLayer.get(0).asInt();
      for (JsonNode count : perLayer) {
        if (count.asInt() != first) {
          throw check.refuse("num_experts_per_layer", "is " + perLayer + "; emoflow models keep the same number of "
              + "experts in every layer");
        }
      }
      experts = first;
    }
    RouterKind router;
    int topK;
    int expertHidden;
    if (experts == 0) {
      router = RouterKind.DENSE;
      int dense = check.positive(json.has("dense_intermediate_size") ? "dense_intermediate_size" : "intermediate_size");
      // denseHidden = expertHidden * (topK + 1): the saved split when there is one, else one expert that wide.
      if (saved != null && saved.denseHidden() == dense) {
        topK = saved.topK();
        expertHidden = saved.expertHidden();
      } else {
        topK = 0;
        expertHidden = dense;
      }
    } else {
      int shared = check.integer("num_shared_experts", 0);
      JsonNode sharedPerLayer = json.path("num_shared_experts_per_layer");
      if (shared != 1 || (sharedPerLayer.isArray() && !allEqual(sharedPerLayer, 1))) {
        throw check.refuse("num_shared_experts", "must be 1 in every layer (emoflow's MoE has one shared expert, "
            + "the last row of mlp.gate), found " + shared + (sharedPerLayer.isArray() ? " / " + sharedPerLayer : ""));
      }
      if (experts < 2) {
        throw check.refuse("num_experts", "must count the shared expert and at least one routed expert, got " + experts);
      }
      router = saved != null && saved.router().isMoe() ? saved.router() : RouterKind.EMO;
      topK = check.positive("num_experts_per_tok") - 1;
      expertHidden = check.positive("intermediate_size");
    }
    double eps = json.path("rms_norm_eps").asDouble(1e-6);
    double theta = json.path("rope_theta").asDouble(500_000);
    int maxPositions = json.path("max_position_embeddings").asInt(-1);
    int routed = Math.max(experts - 1, 1);
    ModelConfig config;
    try {
      ModelConfig.Builder shape = ModelConfig.builder().vocabSize(vocab).dModel(d).layers(layers).heads(heads)
          .experts(experts).topK(topK).expertHidden(expertHidden).router(router).ropeTheta(theta).normEps(eps);
      if (saved != null) {
        config = shape.seqLen(maxPositions > 0 ? maxPositions : saved.seqLen())
            .pool(Math.min(saved.poolMin(), routed), Math.min(saved.poolMax(), routed))
            .evalPool(Math.min(saved.evalPool(), routed)).lbWeight(saved.lbWeight()).zLossWeight(saved.zLossWeight())
            .intraDocumentMask(saved.intraDocumentMask()).initStd(saved.initStd()).build();
      } else {
        config = shape.seqLen(maxPositions > 0 ? maxPositions : DEFAULT_SEQ_LEN).pool(Math.min(topK + 1, routed), routed)
            .evalPool(0).lbWeight(DEFAULT_LB_WEIGHT).zLossWeight(DEFAULT_Z_LOSS_WEIGHT).intraDocumentMask(true)
            .initStd(json.path("initializer_range").asDouble(0.02)).build();
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptCheckpointException(file + ": " + e.getMessage());
    }
    return config;
  }

  private static boolean allEqual(JsonNode array, int value) {
    for (JsonNode element : array) {
      if (element.asInt() != value) {
        return false;
      }
    }
    return true;
  }

  /** Reads config.json keys with errors that name the file and the key. */
  private record Check(JsonNode json, Path file) {
    CorruptCheckpointException refuse(String key, String problem) {
      return new CorruptCheckpointException(file + ": " + key + " " + problem);
    }

    int integer(String key, int absent) throws CorruptCheckpointException {
      JsonNode value = json.path(key);
      if (value.isMissingNode() || value.isNull()) {
        return absent;
      }
      if (!value.canConvertToInt()) {
        throw refuse(key, "must be a whole number, got " + value);
      }
      return value.asInt();
    }

    int positive(String key) throws CorruptCheckpointException {
      if (!json.has(key)) {
        throw refuse(key, "is missing");
      }
      int value = integer(key, 0);
      if (value <= 0) {
        throw refuse(key, "must be positive, got " + json.path(key));
      }
      return value;
    }

    void equalTo(String key, int expected, String why) throws CorruptCheckpointException {
      int value = integer(key, expected);
      if (value != expected) {
        throw refuse(key, "is " + value + ", expected " + expected + ": " + why);
      }
    }

    void text(String key, String expected) throws CorruptCheckpointException {
      String value = json.path(key).asText(expected);
      if (!value.equals(expected)) {
        throw refuse(key, "is '" + value + "'; only '" + expected + "' is supported");
      }
    }

    void falseOrAbsent(String key) throws CorruptCheckpointException {
      if (json.path(key).asBoolean(false)) {
        throw refuse(key, "is true; emoflow's architecture has none");
      }
    }
  }
}

package org.emoflow.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.AtomicFiles;

/**
 * Writes a model (of either layout) as a Hugging Face {@code EmoForCausalLM} directory: config.json,
 * safetensors shards of at most a given size with {@code model.safetensors.index.json} (one
 * {@code model.safetensors} when everything fits one shard), generation_config.json and tokenizer files
 * when known, and for a pruned emoflow checkpoint {@code pruning_metadata.json} and
 * {@code num_experts_per_layer} as the reference's pruning scripts lay them out. Tensors are streamed one at
 * a time; the directory appears whole or not at all.
 */
public final class HuggingFaceExport {
  /** What Hugging Face's save_pretrained shards at by default. */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
  private static final Pattern ROUTER = Pattern.compile("blocks\\.\\d+\\.moe\\.router\\.weight");

  /**
   * The tokenizer that goes with the model.
   *
   * @param tokenizerJson a Hugging Face tokenizer.json to copy, or null
   * @param encoding the tiktoken encoding the model's data was tokenized with (written to config.json as
   *     {@code emoflow_tokenizer}), or null
   * @param eosId end-of-document id, or null when unknown
   * @param padId padding id, or null when unknown
   */
  public record Tokenizer(Path tokenizerJson, String encoding, Integer eosId, Integer padId) {
    public static final Tokenizer NONE = new Tokenizer(null, null, null, null);
  }

  private HuggingFaceExport() {}

  public static void write(ModelCheckpoint source, Path target, Safetensors.DType dtype, long maxShardBytes,
      Tokenizer tokenizer, NDManager manager) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "an export is never overwritten");
    }
    if (maxShardBytes < 1) {
      throw new IllegalArgumentException("the shard size must be positive, got " + maxShardBytes);
    }
    ModelConfig config = source.config();
    Map<String, String> emoflowNameOf = new LinkedHashMap<>();
    List<Safetensors.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Shape> parameter : source.parameters().entrySet()) {
      String name = HuggingFaceFormat.hfName(parameter.getKey(), config.experts());
      long[] shape = parameter.getValue().getShape();
      if (ROUTER.matcher(parameter.getKey()).matches()) {
        shape[0] += 1;
      }
      emoflowNameOf.put(name, parameter.getKey());
      entries.add(new Safetensors.Entry(name, dtype, shape));
    }
    List<List<Safetensors.Entry>> shards = shards(entries, maxShardBytes);
    Safetensors.Contents contents = (entry, channel) -> {
      String name = emoflowNameOf.get(entry.name());
      try (NDArray array = source.tensor(name, manager)) {
        Safetensors.writeArray(array, dtype, channel);
      }
      if (ROUTER.matcher(name).matches()) {
        // The shared expert's gate row: the reference takes a softmax over it alone, 1 whatever it holds.
        Safetensors.writeFully(channel, ByteBuffer.allocate(Math.toIntExact(entry.shape()[1] * dtype.bytes())));
      }
    };
    JsonNode pruning = pruningMetadata(source);
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      Map<String, String> weightMap = new LinkedHashMap<>();
      for (int i = 0; i < shards.size(); i++) {
        String file = shards.size() == 1 ? TensorFiles.SINGLE
            : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
        Safetensors.write(temporary.resolve(file), Map.of("format", "pt"), shards.get(i), contents);
        shards.get(i).forEach(entry -> weightMap.put(entry.name(), file));
      }
      if (shards.size() > 1) {
        ObjectNode index = HuggingFaceFormat.JSON.createObjectNode();
        index.putObject("metadata").put("total_size", entries.stream().mapToLong(Safetensors.Entry::bytes).sum());
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        writeJson(temporary.resolve(TensorFiles.INDEX), index);
      }
      ObjectNode json = HuggingFaceFormat.config(config, dtype, pruning != null, tokenizer.eosId(), tokenizer.padId());
      if (tokenizer.encoding() != null) {
        json.put("emoflow_tokenizer", tokenizer.encoding());
      }
      writeJson(temporary.resolve(HuggingFaceFormat.CONFIG), json);
      if (tokenizer.eosId() != null) {
        ObjectNode generation = HuggingFaceFormat.JSON.createObjectNode();
        generation.putNull("bos_token_id");
        generation.put("eos_token_id", tokenizer.eosId());
        if (tokenizer.padId() != null) {
          generation.put("pad_token_id", tokenizer.padId());
        }
        writeJson(temporary.resolve(HuggingFaceFormat.GENERATION), generation);
      }
      if (pruning != null) {
        writeJson(temporary.resolve(HuggingFaceFormat.PRUNING), pruning);
      }
      if (tokenizer.tokenizerJson() != null) {
        writeTokenizer(tokenizer, config, temporary);
      }
    });
  }

  /** Consecutive tensors fill a shard until the next would take it past the limit (a larger tensor gets its own). */
  static List<List<Safetensors.Entry>> shards(List<Safetensors.Entry> entries, long maxShardBytes) {
    List<List<Safetensors.Entry>> shards = new ArrayList<>();
    List<Safetensors.Entry> current = new ArrayList<>();
    long bytes = 0;
    for (Safetensors.Entry entry : entries) {
      if (!current.isEmpty() && bytes + entry.bytes() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(entry);
      bytes += entry.bytes();
    }
    if (!current.isEmpty()) {
      shards.add(current);
    }
    return shards;
  }

  /**
   * The reference's pruning_metadata.json for an emoflow pruned checkpoint (its pruning.json, which rides
   * along whole under "emoflow"): kept ids per layer in the source's numbering, the shared expert last.
   */
  private static JsonNode pruningMetadata(ModelCheckpoint source) throws IOException {
    Path file = source.directory().resolve("pruning.json");
    if (source.layout() != ModelCheckpoint.Layout.EMOFLOW || !Files.isRegularFile(file)) {
      return null;
    }
    JsonNode emoflow = HuggingFaceFormat.JSON.readTree(file.toFile());
    int sourceExperts = emoflow.path("source_experts").asInt();
    ObjectNode json = HuggingFaceFormat.JSON.createObjectNode();
    json.put("original_model", emoflow.path("source_checkpoint").asText());
    json.put("prune_keep_k", emoflow.path("kept_experts").asInt());
    json.put("num_shared_experts", 1);
    json.put("pruning_method", emoflow.path("method").asText());
    json.set("prune_seed", emoflow.path("random_seed"));
    ArrayNode kept = json.putArray("experts_kept_per_layer");
    for (Iterator<JsonNode> layers = emoflow.path("kept_routed_experts").elements(); layers.hasNext(); ) {
      ArrayNode layer = kept.addArray();
      layers.next().forEach(layer::add);
      layer.add(sourceExperts - 1);
    }
    json.set(HuggingFaceFormat.EXTRAS, emoflow);
    return json;
  }

  /** tokenizer.json as is, and a tokenizer_config.json that makes AutoTokenizer load it as a fast tokenizer. */
  private static void writeTokenizer(Tokenizer tokenizer, ModelConfig config, Path directory) throws IOException {
    Files.copy(tokenizer.tokenizerJson(), directory.resolve("tokenizer.json"));
    JsonNode vocabulary = HuggingFaceFormat.JSON.readTree(tokenizer.tokenizerJson().toFile());
    ObjectNode json = HuggingFaceFormat.JSON.createObjectNode();
    json.put("tokenizer_class", "PreTrainedTokenizerFast");
    json.put("model_max_length", config.seqLen());
    putToken(json, "eos_token", vocabulary, tokenizer.eosId());
    putToken(json, "pad_token", vocabulary, tokenizer.padId());
    writeJson(directory.resolve("tokenizer_config.json"), json);
  }

  private static void putToken(ObjectNode json, String key, JsonNode tokenizerJson, Integer id) {
    if (id == null) {
      return;
    }
    for (JsonNode added : tokenizerJson.path("added_tokens")) {
      if (added.path("id").asInt(-1) == id) {
        json.put(key, added.path("content").asText());
        return;
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = tokenizerJson.path("model").path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> token = it.next();
      if (token.getValue().asInt(-1) == id) {
        json.put(key, token.getKey());
        return;
      }
    }
  }

  private static void writeJson(Path file, JsonNode json) throws IOException {
    Files.writeString(file, HuggingFaceFormat.JSON.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
  }
}

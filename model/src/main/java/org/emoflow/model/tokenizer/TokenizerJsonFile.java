package org.emoflow.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.model.io.Checksums;

/** What the HuggingFace backend reads from a {@code tokenizer.json} itself, beyond the native library. */
final class TokenizerJsonFile {
  private static final List<String> EOS_CANDIDATES =
      List.of("<|endoftext|>", "</s>", "<eos>", "<|end_of_text|>");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final byte[] bytes;
  private final ObjectNode root;
  private final JsonNode modelVocab;

  private TokenizerJsonFile(Path path, byte[] bytes, ObjectNode root) {
    this.path = path;
    this.bytes = bytes;
    this.root = root;
    this.modelVocab = root.path("model").path("vocab");
    if (!modelVocab.isObject() && !modelVocab.isArray()) {
      throw new IllegalArgumentException(path + " has no model.vocab: not a HuggingFace tokenizer.json");
    }
  }

  static TokenizerJsonFile read(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer file " + path, e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(path + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!(root instanceof ObjectNode object)) {
      throw new IllegalArgumentException(path + " is not a JSON object: not a HuggingFace tokenizer.json");
    }
    return new TokenizerJsonFile(path, bytes, object);
  }

  Path path() {
    return path;
  }

  String fingerprint() {
    return Checksums.sha256(bytes);
  }

  /** 1 + the largest id in the model's vocabulary (BPE: token to id; Unigram: a list) and added tokens. */
  int vocabSize() {
    int largest = -1;
    if (modelVocab.isArray()) {
      largest = modelVocab.size() - 1;
    } else {
      for (JsonNode id : modelVocab) {
        largest = Math.max(largest, id.asInt());
      }
    }
    for (JsonNode token : addedTokens()) {
      largest = Math.max(largest, token.path("id").asInt());
    }
    return largest + 1;
  }

  /** The explicit EOS token's id, or with {@code eosToken == null} the first conventional one present. */
  int eosId(String eosToken) {
    if (eosToken != null) {
      Integer id = addedTokenIds().get(eosToken);
      if (id == null) {
        id = vocabId(eosToken);
      }
      if (id == null) {
        throw new IllegalArgumentException(
            "EOS token '" + eosToken + "' is neither an added token nor in the vocabulary of " + path);
      }
      return id;
    }
    Map<String, Integer> added = addedTokenIds();
    return EOS_CANDIDATES.stream()
        .filter(added::containsKey)
        .map(added::get)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    path + " has none of the usual EOS tokens " + EOS_CANDIDATES + " among its added"
                        + " tokens; pass the EOS token explicitly: Tokenizers.load(spec, eosToken)"));
  }

  /**
   * UTF-8 bytes per id. In a byte-level vocabulary every symbol of a token stands for one byte; in
   * others a token's text is taken as it is (SentencePiece's '\u2581' for a space). Special tokens: 0.
   */
  int[] tokenByteLengths() {
    int[] lengths = new int[vocabSize()];
    boolean byteLevel = "ByteLevel".equals(root.path("decoder").path("type").asText())
        || "ByteLevel".equals(root.path("pre_tokenizer").path("type").asText());
    modelVocab.fields().forEachRemaining(entry -> {
      String token = entry.getKey();
      lengths[entry.getValue().asInt()] = byteLevel
          ? token.length()
          : token.replace('\u2581', ' ').getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    });
    for (JsonNode token : addedTokens()) {
      int id = token.path("id").asInt();
      lengths[id] = token.path("special").asBoolean()
          ? 0
          : token.path("content").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    return lengths;
  }

  /** Special added tokens by id: they are decoded here, since the native encoder does not know them. */
  Map<Integer, String> specialTokensById() {
    Map<Integer, String> specials = new HashMap<>();
    for (JsonNode token : addedTokens()) {
      if (token.path("special").asBoolean()) {
        specials.put(token.path("id").asInt(), token.path("content").asText());
      }
    }
    return specials;
  }

  /**
   * This definition without its special added tokens. The native library matches added tokens in any
   * input and has no switch against it, so a literal {@code <|endoftext|>} inside a document would
   * become an EOS; without them, such strings are tokenized as the text they are, as in jtokkit.
   */
  String withoutSpecialTokens() {
    ObjectNode copy = root.deepCopy();
    ArrayNode kept = copy.putArray("added_tokens");
    for (JsonNode token : addedTokens()) {
      if (!token.path("special").asBoolean()) {
        kept.add(token);
      }
    }
    try {
      return JSON.writeValueAsString(copy);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree must serialize", e);
    }
  }

  private Iterable<JsonNode> addedTokens() {
    return root.path("added_tokens");
  }

  private Map<String, Integer> addedTokenIds() {
    Map<String, Integer> ids = new HashMap<>();
    addedTokens().forEach(token -> ids.put(token.path("content").asText(), token.path("id").asInt()));
    return ids;
  }

  private Integer vocabId(String token) {
    if (modelVocab.isObject()) {
      JsonNode id = modelVocab.get(token);
      return id == null ? null : id.asInt();
    }
    for (int id = 0; id < modelVocab.size(); id++) {
      if (modelVocab.get(id).path(0).asText().equals(token)) {
        return id;
      }
    }
    return null;
  }
}

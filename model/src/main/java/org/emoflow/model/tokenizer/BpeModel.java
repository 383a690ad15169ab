package org.emoflow.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A trained byte-level BPE tokenizer.
 *
 * @param vocab every token in id order: the 256 byte symbols (id = byte value), then the merged
 *     symbols, then the special tokens
 * @param merges {left, right} pairs in the order they were learned, i.e. by priority
 * @param specialTokens the last entries of {@code vocab}, written as HuggingFace added tokens
 */
public record BpeModel(List<String> vocab, List<String[]> merges, List<String> specialTokens) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public BpeModel {
    vocab = List.copyOf(vocab);
    merges = merges.stream().map(String[]::clone).toList();
    specialTokens = List.copyOf(specialTokens);
    int learned = vocab.size() - specialTokens.size();
    if (learned < 256 || !vocab.subList(learned, vocab.size()).equals(specialTokens)) {
      throw new IllegalArgumentException(
          "vocab must be the 256 byte symbols and merged ones, then the special tokens");
    }
    if (merges.stream().anyMatch(merge -> merge.length != 2)) {
      throw new IllegalArgumentException("every merge must be a {left, right} pair");
    }
    Set<String> clashes = new HashSet<>(vocab.subList(0, learned));
    if (clashes.size() != learned) {
      throw new IllegalArgumentException("vocab holds a symbol twice");
    }
    // HuggingFace would give a special token the id of an equal learned symbol instead of its own.
    clashes.retainAll(specialTokens);
    if (!clashes.isEmpty()) {
      throw new IllegalArgumentException("special tokens spelled by learned symbols: " + clashes);
    }
  }

  /**
   * Writes a standard HuggingFace {@code tokenizer.json} (BPE model, ByteLevel pre-tokenizer and
   * decoder, specials as added tokens), atomically: readers see the old file or the whole new one.
   */
  public void writeTokenizerJson(Path path) throws IOException {
    Path target = path.toAbsolutePath();
    Path temporary = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
    try {
      JSON.writeValue(temporary.toFile(), toTokenizerJson());
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private ObjectNode toTokenizerJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    int firstSpecialId = vocab.size() - specialTokens.size();
    for (int i = 0; i < specialTokens.size(); i++) {
      added.addObject()
          .put("id", firstSpecialId + i)
          .put("content", specialTokens.get(i))
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true);
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel());
    root.putNull("post_processor");
    root.set("decoder", byteLevel());
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode ids = model.putObject("vocab");
    for (int id = 0; id < firstSpecialId; id++) {
      ids.put(vocab.get(id), id);
    }
    // "left right" is unambiguous: the byte-level alphabet writes a space byte as 'Ġ'.
    ArrayNode mergeLines = model.putArray("merges");
    merges.forEach(merge -> mergeLines.add(merge[0] + " " + merge[1]));
    return root;
  }

  private static ObjectNode byteLevel() {
    return JSON.createObjectNode()
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
  }
}

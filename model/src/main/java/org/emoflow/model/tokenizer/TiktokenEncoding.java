package org.emoflow.model.tokenizer;

import com.knuddels.jtokkit.api.EncodingType;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The tiktoken encodings jtokkit bundles, with what jtokkit does not expose: the special tokens'
 * ids and the id range. Values are tiktoken's; the tests check each against jtokkit's decoder.
 */
enum TiktokenEncoding {
  R50K_BASE(EncodingType.R50K_BASE, 50_257, Map.of(Special.END_OF_TEXT, 50_256)),
  P50K_BASE(EncodingType.P50K_BASE, 50_281, Map.of(Special.END_OF_TEXT, 50_256)),
  P50K_EDIT(
      EncodingType.P50K_EDIT,
      50_284,
      Map.of(
          Special.END_OF_TEXT, 50_256,
          Special.FIM_PREFIX, 50_281,
          Special.FIM_MIDDLE, 50_282,
          Special.FIM_SUFFIX, 50_283)),
  CL100K_BASE(
      EncodingType.CL100K_BASE,
      100_277,
      Map.of(
          Special.END_OF_TEXT, 100_257,
          Special.FIM_PREFIX, 100_258,
          Special.FIM_MIDDLE, 100_259,
          Special.FIM_SUFFIX, 100_260,
          Special.END_OF_PROMPT, 100_276)),
  O200K_BASE(
      EncodingType.O200K_BASE,
      200_019,
      Map.of(Special.END_OF_TEXT, 199_999, Special.END_OF_PROMPT, 200_018));

  private static final class Special {
    static final String END_OF_TEXT = "<|endoftext|>";
    static final String FIM_PREFIX = "<|fim_prefix|>";
    static final String FIM_MIDDLE = "<|fim_middle|>";
    static final String FIM_SUFFIX = "<|fim_suffix|>";
    static final String END_OF_PROMPT = "<|endofprompt|>";
  }

  final EncodingType type;
  final int vocabSize;
  final Map<String, Integer> specialTokenIds;

  TiktokenEncoding(EncodingType type, int vocabSize, Map<String, Integer> specialTokenIds) {
    this.type = type;
    this.vocabSize = vocabSize;
    this.specialTokenIds = specialTokenIds;
  }

  String encodingName() {
    return type.getName();
  }

  int endOfTextId() {
    return specialTokenIds.get(Special.END_OF_TEXT);
  }

  static Optional<TiktokenEncoding> byName(String name) {
    return Arrays.stream(values()).filter(e -> e.encodingName().equals(name)).findFirst();
  }

  static String names() {
    return Arrays.stream(values()).map(TiktokenEncoding::encodingName).collect(Collectors.joining(", "));
  }
}

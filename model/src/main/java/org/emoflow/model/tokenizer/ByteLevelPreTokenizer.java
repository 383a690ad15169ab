package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pre-tokenization of HuggingFace's {@code ByteLevel(add_prefix_space=false, use_regex=true)}: text
 * is cut with GPT-2's regex and every piece is written in the {@link ByteLevelAlphabet}. BPE merges
 * never cross these pieces, so counting them is all a trainer needs to see of a corpus.
 *
 * <p>{@code \s} must mean Unicode White_Space as in the Rust tokenizers, hence
 * {@link Pattern#UNICODE_CHARACTER_CLASS}. Letters and digits follow the JDK's Unicode tables, which
 * may lag the native library's for code points assigned in the newest Unicode versions.
 */
public final class ByteLevelPreTokenizer {
  private static final Pattern GPT2_PIECES =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private ByteLevelPreTokenizer() {}

  /** The pre-tokens of {@code text} in order; joined, they are the byte-level form of all of it. */
  public static List<String> split(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher matcher = GPT2_PIECES.matcher(text);
    while (matcher.find()) {
      pieces.add(ByteLevelAlphabet.encode(text.substring(matcher.start(), matcher.end())));
    }
    return pieces;
  }
}

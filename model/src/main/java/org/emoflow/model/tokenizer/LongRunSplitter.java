package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Keeps pathological documents from stalling the tokenizers. A run of text that never changes between
 * whitespace and non-whitespace becomes one regex piece, and jtokkit's BPE over one huge piece costs
 * 1.2-2.6 s of CPU per MB (random letters, CJK; measured for cl100k and o200k), against ~0.1 s per MB
 * of prose. Such runs are cut every {@value #MAX_RUN_CHARS} chars, at code point boundaries, which
 * brings that to 0.2-0.9 s, and the pieces are encoded separately. Byte-level BPE decodes the joined
 * ids to the joined text, so round trips stay exact; text without such runs is encoded in one call,
 * exactly as the backend alone would.
 */
final class LongRunSplitter {
  /** Long enough to leave URLs, hashes and lines of base64 whole; short enough for ~1 s per MB. */
  static final int MAX_RUN_CHARS = 1000;

  private LongRunSplitter() {}

  static int[] encode(String text, Function<String, int[]> encoder) {
    List<String> pieces = split(text, MAX_RUN_CHARS);
    if (pieces.size() == 1) {
      return encoder.apply(text);
    }
    int[][] encoded = new int[pieces.size()][];
    int total = 0;
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encoder.apply(pieces.get(i));
      total += encoded[i].length;
    }
    int[] ids = new int[total];
    int at = 0;
    for (int[] part : encoded) {
      System.arraycopy(part, 0, ids, at, part.length);
      at += part.length;
    }
    return ids;
  }

  /** {@code text} cut inside every run longer than {@code maxRunChars}; the pieces join to it. */
  static List<String> split(String text, int maxRunChars) {
    List<String> pieces = new ArrayList<>();
    int pieceStart = 0;
    int runStart = 0;
    boolean runIsWhitespace = false;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      boolean whitespace = Character.isWhitespace(codePoint);
      if (i == 0 || whitespace != runIsWhitespace) {
        runStart = i;
        runIsWhitespace = whitespace;
      } else if (i - runStart >= maxRunChars) {
        pieces.add(text.substring(pieceStart, i));
        pieceStart = i;
        runStart = i;
      }
      i += Character.charCount(codePoint);
    }
    pieces.add(text.substring(pieceStart));
    return pieces;
  }
}

package org.emoflow.tests;

import java.util.Random;

/**
 * Random valid Unicode text for round trips: ASCII words, accented Latin, CJK, emoji and other
 * supplementary code points, combining marks (also stacked, also leading), control characters,
 * whitespace runs of many kinds, any Unicode scalar value at all, and the EOS token's spelling.
 */
final class RandomUnicode {
  private static final char[] WHITESPACE = {
    ' ', '\t', '\n', '\r', '\u000B', '\u000C', '\u0085', '\u00A0', '\u1680', '\u2003', '\u2028', '\u2029',
    '\u202F', '\u3000',
  };
  private static final String[] SEQUENCES = {
    "<|endoftext|>", "\uD83D\uDC69\u200D\uD83D\uDCBB", "\uD83C\uDDEF\uD83C\uDDF5", "\u270B\uD83C\uDFFF", "'s", "'ll",
    "\uFEFF", "\uFFFD", "\u200D", "\r\n",
  };

  private RandomUnicode() {}

  static String generate(Random random, int pieces) {
    StringBuilder text = new StringBuilder();
    for (int p = 0; p < pieces; p++) {
      switch (random.nextInt(10)) {
        case 0 -> appendAsciiWord(random, text);
        case 1 -> text.appendCodePoint(between(random, 0xC0, 0x24F));
        case 2 -> text.appendCodePoint(between(random, 0x4E00, 0x9FFF));
        case 3 -> text.appendCodePoint(random.nextBoolean()
            ? between(random, 0x1F300, 0x1FAFF) : between(random, 0x10000, 0x10FFFF));
        case 4 -> {
          for (int mark = 1 + random.nextInt(3); mark > 0; mark--) {
            text.appendCodePoint(between(random, 0x300, 0x36F));
          }
        }
        case 5 -> text.appendCodePoint(random.nextInt(4) == 0 ? between(random, 0x7F, 0x9F) : random.nextInt(0x20));
        case 6 -> {
          for (int n = 1 + random.nextInt(random.nextInt(8) == 0 ? 60 : 4); n > 0; n--) {
            text.append(WHITESPACE[random.nextInt(WHITESPACE.length)]);
          }
        }
        case 7 -> text.appendCodePoint(anyScalarValue(random));
        case 8 -> text.append(SEQUENCES[random.nextInt(SEQUENCES.length)]);
        default -> text.append(' ');
      }
    }
    return text.toString();
  }

  private static void appendAsciiWord(Random random, StringBuilder text) {
    for (int n = 1 + random.nextInt(8); n > 0; n--) {
      text.append((char) between(random, 0x21, 0x7E));
    }
  }

  /** Any code point but a surrogate: a lone surrogate is not text, and UTF-8 cannot carry it. */
  private static int anyScalarValue(Random random) {
    int codePoint = random.nextInt(0x110000 - 0x800);
    return codePoint < 0xD800 ? codePoint : codePoint + 0x800;
  }

  private static int between(Random random, int first, int last) {
    return first + random.nextInt(last - first + 1);
  }
}

package org.emoflow.model.tokenizer;

import java.util.Random;

/** Random text over many scripts and awkward characters, for round-trip tests. */
final class RandomText {
  /** ASCII, Latin-1 and accents, Greek, Cyrillic, Arabic, Devanagari, CJK, Hangul, emoji. */
  private static final int[][] RANGES = {
    {0x20, 0x7E}, {0xA0, 0xFF}, {0x100, 0x17F}, {0x391, 0x3C9}, {0x410, 0x44F}, {0x621, 0x64A},
    {0x905, 0x939}, {0x4E00, 0x4FFF}, {0xAC00, 0xAD00}, {0x1F600, 0x1F64F}, {0x1F300, 0x1F5FF},
  };
  private static final int[] COMBINING_MARKS = {0x301, 0x308, 0x327, 0x20DD, 0x93F};
  private static final String[] AWKWARD = {
    "\n", "\r\n", "\t", "   ", "\n\n\n", "\u0000", "\u001B", "\u007F", "\u00A0", "\u2028", "\u3000",
    "\uFEFF", "\u200D", "'s", "'ll", "<|endoftext|>", "  \t ", "123", "...", "\uD83D\uDC68\u200D\uD83D\uDC69",
  };

  private RandomText() {}

  static String generate(Random random, int codePoints) {
    StringBuilder text = new StringBuilder();
    while (text.codePointCount(0, text.length()) < codePoints) {
      int kind = random.nextInt(10);
      if (kind < 6) {
        int[] range = RANGES[random.nextInt(RANGES.length)];
        text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
      } else if (kind < 7) {
        text.appendCodePoint(COMBINING_MARKS[random.nextInt(COMBINING_MARKS.length)]);
      } else if (kind < 8) {
        text.append(AWKWARD[random.nextInt(AWKWARD.length)]);
      } else {
        text.append(' ');
      }
    }
    return text.toString();
  }
}

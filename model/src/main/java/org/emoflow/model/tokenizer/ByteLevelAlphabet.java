package org.emoflow.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's {@code bytes_to_unicode}: one printable character per byte value, so that BPE vocabularies
 * and merges can be written as plain strings. Bytes that are printable Latin-1 ({@code !..~},
 * {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the other 68 take U+0100, U+0101, ... in byte order.
 */
final class ByteLevelAlphabet {
  private static final char[] SYMBOL_OF_BYTE = new char[256];
  private static final int[] BYTE_OF_SYMBOL = new int[512];

  static {
    Arrays.fill(BYTE_OF_SYMBOL, -1);
    int nextShifted = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char symbol = (char) (printable ? b : nextShifted++);
      SYMBOL_OF_BYTE[b] = symbol;
      BYTE_OF_SYMBOL[symbol] = b;
    }
  }

  private ByteLevelAlphabet() {}

  static char symbol(int unsignedByte) {
    return SYMBOL_OF_BYTE[unsignedByte];
  }

  /** The byte a symbol stands for, or -1 if the character is not in the alphabet. */
  static int byteOf(char symbol) {
    return symbol < BYTE_OF_SYMBOL.length ? BYTE_OF_SYMBOL[symbol] : -1;
  }

  /** The UTF-8 bytes of {@code text}, one symbol per byte. */
  static String encode(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    char[] symbols = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      symbols[i] = SYMBOL_OF_BYTE[utf8[i] & 0xFF];
    }
    return new String(symbols);
  }
}

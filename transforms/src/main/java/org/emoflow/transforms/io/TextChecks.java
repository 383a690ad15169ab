package org.emoflow.transforms.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding that says where the first bad byte is, and a check for unpaired surrogates. */
final class TextChecks {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  private int badByte = -1;

  /** The decoded text, or null when the bytes are not UTF-8; then {@link #badByte()} is the offset. */
  String decode(byte[] bytes, int offset, int length) {
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
    CharBuffer out = CharBuffer.allocate(length);
    decoder.reset();
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      badByte = in.position() - offset;
      return null;
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  int badByte() {
    return badByte;
  }

  /** A JSON escape like \ud800 yields a lone surrogate: valid JSON, but not valid Unicode text. */
  static int unpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
      if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }
}

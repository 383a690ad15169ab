package org.emoflow.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without decoding, so invalid UTF-8 can be reported per line, and
 * never holds more than {@code maxLineBytes} of one line: a longer line is scanned to its end and
 * flagged, not buffered. A UTF-8 byte order mark opening the stream is skipped: it is an encoding
 * signature, not part of the first line.
 */
final class LineReader {
  private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final InputStream in;
  private final long maxLineBytes;
  private final byte[] buffer = new byte[1 << 16];
  private int position;
  private int limit;
  private byte[] line = new byte[4096];
  private int length;
  private long lineBytes;
  private boolean tooLong;
  private long number;
  private boolean started;

  LineReader(InputStream in, long maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** Advances to the next line; false at the end of the stream. */
  boolean next() throws IOException {
    if (!started) {
      started = true;
      skipByteOrderMark();
    }
    length = 0;
    lineBytes = 0;
    tooLong = false;
    boolean sawAnything = false;
    while (true) {
      if (position == limit) {
        limit = in.read(buffer);
        position = 0;
        if (limit <= 0) {
          limit = 0;
          if (!sawAnything) {
            return false;
          }
          break;
        }
      }
      sawAnything = true;
      int newline = indexOfNewline();
      int end = newline < 0 ? limit : newline;
      append(position, end - position);
      position = newline < 0 ? limit : newline + 1;
      if (newline >= 0) {
        break;
      }
    }
    if (!tooLong && length > 0 && line[length - 1] == '\r') {
      length--;
    }
    number++;
    return true;
  }

  private void skipByteOrderMark() throws IOException {
    // A decompressing stream may return fewer bytes than asked for: gather enough to compare.
    while (limit < BYTE_ORDER_MARK.length) {
      int read = in.read(buffer, limit, buffer.length - limit);
      if (read <= 0) {
        return;
      }
      limit += read;
    }
    if (Arrays.equals(buffer, 0, BYTE_ORDER_MARK.length, BYTE_ORDER_MARK, 0, BYTE_ORDER_MARK.length)) {
      position = BYTE_ORDER_MARK.length;
    }
  }

  private int indexOfNewline() {
    for (int i = position; i < limit; i++) {
      if (buffer[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void append(int from, int count) {
    lineBytes += count;
    if (tooLong) {
      return;
    }
    if (lineBytes > maxLineBytes) {
      tooLong = true;
      length = 0;
      return;
    }
    if (length + count > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
    }
    System.arraycopy(buffer, from, line, length, count);
    length += count;
  }

  byte[] bytes() {
    return line;
  }

  int length() {
    return length;
  }

  /** The line's size in bytes, also when it was too long to keep. */
  long lineBytes() {
    return lineBytes;
  }

  boolean tooLong() {
    return tooLong;
  }

  long number() {
    return number;
  }

  boolean isBlank() {
    for (int i = 0; i < length; i++) {
      byte b = line[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\f') {
        return false;
      }
    }
    return !tooLong;
  }
}

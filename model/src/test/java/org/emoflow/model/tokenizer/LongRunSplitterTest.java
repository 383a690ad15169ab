package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LongRunSplitterTest {
  @Test
  void leavesTextWithShortRunsWhole() {
    String prose = "word ".repeat(10_000);
    assertEquals(List.of(prose), LongRunSplitter.split(prose, 1000));
  }

  @Test
  void cutsLongRunsOfEitherKindEveryMaxChars() {
    String text = "x".repeat(2500) + " ".repeat(1200) + "tail";
    List<String> pieces = LongRunSplitter.split(text, 1000);

    assertEquals(List.of(1000, 1000, 500 + 1000, 200 + 4), pieces.stream().map(String::length).toList());
    assertEquals(text, String.join("", pieces));
  }

  @Test
  void neverCutsASurrogatePair() {
    String text = "a" + "😀".repeat(1500);
    List<String> pieces = LongRunSplitter.split(text, 1000);

    assertTrue(pieces.size() > 1);
    assertEquals(text, String.join("", pieces));
    for (String piece : pieces) {
      assertFalse(Character.isLowSurrogate(piece.charAt(0)), "piece starts inside a pair");
      assertTrue(piece.length() <= 1001, "pieces stay within one code point of the limit");
    }
  }

  @Test
  void encodesPiecesInOrder() {
    String text = "ab".repeat(1500);
    int[] ids = LongRunSplitter.encode(text, piece -> new int[] {piece.length()});

    assertArrayEquals(new int[] {1000, 1000, 1000}, ids);
  }
}

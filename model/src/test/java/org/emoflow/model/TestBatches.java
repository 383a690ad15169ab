package org.emoflow.model;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.emoflow.model.data.PackedSequence;

/** Hand-made packed rows: each given token array is one segment, the rest of the row is padding. */
public final class TestBatches {
  public static final int PAD = 0;

  private TestBatches() {}

  /** Segment i gets domain "d{i}", document id "doc{i}" and offset 0. */
  public static PackedSequence row(int length, int[]... segments) {
    int[] tokens = new int[length];
    Arrays.fill(tokens, PAD);
    int[] lengths = new int[segments.length];
    int start = 0;
    for (int s = 0; s < segments.length; s++) {
      System.arraycopy(segments[s], 0, tokens, start, segments[s].length);
      lengths[s] = segments[s].length;
      start += segments[s].length;
    }
    String[] ids = IntStream.range(0, segments.length).mapToObj(s -> "doc" + s).toArray(String[]::new);
    String[] domains = IntStream.range(0, segments.length).mapToObj(s -> "d" + s).toArray(String[]::new);
    return new PackedSequence(tokens, lengths, ids, new int[segments.length], domains);
  }

  /** count consecutive ids starting at first: an easily recognisable document. */
  public static int[] run(int first, int count) {
    return IntStream.range(first, first + count).toArray();
  }
}

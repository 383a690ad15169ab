package org.emoflow.model.data;

import java.util.Arrays;

/**
 * One training row as {@code prepare} writes it: L tokens, then per segment its length, document id,
 * offset inside the document and domain. Positions past the sum of segment lengths are padding.
 */
public record PackedSequence(
    int[] tokens, int[] segmentLengths, String[] docIds, int[] docOffsets, String[] domains) {

  public PackedSequence {
    int segments = segmentLengths.length;
    if (docIds.length != segments || docOffsets.length != segments || domains.length != segments) {
      throw new IllegalArgumentException("per-segment columns disagree on the number of segments");
    }
    long used = Arrays.stream(segmentLengths).asLongStream().sum();
    if (used > tokens.length || Arrays.stream(segmentLengths).anyMatch(n -> n <= 0)) {
      throw new IllegalArgumentException(
          "segment lengths " + Arrays.toString(segmentLengths) + " do not fit " + tokens.length + " tokens");
    }
  }

  public int length() {
    return tokens.length;
  }

  public int usedTokens() {
    return Arrays.stream(segmentLengths).sum();
  }
}

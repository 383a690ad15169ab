package org.emoflow.model.data;

import java.util.List;

/**
 * A micro-batch laid out for the model, on the host. Tokens are flattened to T = B * L. Every segment
 * of every row gets a global segment index; the padding of a row forms one extra segment of its own,
 * which is never scored and never routed.
 */
public final class PackedBatch {
  public final int batch;
  public final int length;
  public final long[] tokens;
  /** Position inside the token's segment: rotary positions restart per document piece. */
  public final long[] positions;
  public final long[] segmentOfToken;
  public final boolean[] padding;
  /** The next token, where it belongs to the same segment; 0 elsewhere (and then not scored). */
  public final long[] targets;
  public final float[] scored;
  public final int segments;
  public final boolean[] segmentIsPadding;
  /** Domain per segment; null for padding segments. */
  public final String[] segmentDomains;
  public final int scoredTokens;
  public final int realTokens;

  public PackedBatch(List<PackedSequence> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    batch = rows.size();
    length = rows.get(0).length();
    int total = batch * length;
    tokens = new long[total];
    positions = new long[total];
    segmentOfToken = new long[total];
    padding = new boolean[total];
    targets = new long[total];
    scored = new float[total];
    int segmentCount = 0;
    for (PackedSequence row : rows) {
      if (row.length() != length) {
        throw new IllegalArgumentException("rows of different lengths in one batch: " + row.length() + " vs " + length);
      }
      segmentCount += row.segmentLengths().length + (row.usedTokens() < length ? 1 : 0);
    }
    segments = segmentCount;
    segmentIsPadding = new boolean[segments];
    segmentDomains = new String[segments];
    int segment = 0;
    int scoredCount = 0;
    int realCount = 0;
    for (int r = 0; r < batch; r++) {
      PackedSequence row = rows.get(r);
      int base = r * length;
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++, segment++) {
        int end = start + row.segmentLengths()[s];
        segmentDomains[segment] = row.domains()[s];
        for (int i = start; i < end; i++) {
          tokens[base + i] = row.tokens()[i];
          positions[base + i] = i - start;
          segmentOfToken[base + i] = segment;
          if (i + 1 < end) {
            targets[base + i] = row.tokens()[i + 1];
            scored[base + i] = 1f;
            scoredCount++;
          }
        }
        realCount += end - start;
        start = end;
      }
      if (start < length) {
        segmentIsPadding[segment] = true;
        for (int i = start; i < length; i++) {
          tokens[base + i] = row.tokens()[i];
          positions[base + i] = i - start;
          segmentOfToken[base + i] = segment;
          padding[base + i] = true;
        }
        segment++;
      }
    }
    scoredTokens = scoredCount;
    realTokens = realCount;
  }

  public int totalTokens() {
    return batch * length;
  }
}

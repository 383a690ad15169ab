package org.emoflow.model.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Packs whole segments into rows of L tokens, in order, never cutting one: a segment that does not fit
 * the rest of a row starts the next. Used to re-lay out pieces picked out of packed rows (one domain's
 * documents) and scoring sequences built on the fly (multiple-choice context + choice), each segment
 * keeping its own positions, attention and pool.
 */
public final class SegmentPacker {
  /** One segment: a piece of document {@code docId} starting at {@code offset} inside it. */
  public record Segment(int[] tokens, String docId, int offset, String domain) {}

  private SegmentPacker() {}

  public static List<PackedSequence> pack(List<Segment> segments, int seqLen, int padId) {
    List<PackedSequence> rows = new ArrayList<>();
    RowBuilder row = new RowBuilder(seqLen, padId);
    for (Segment segment : segments) {
      int length = segment.tokens().length;
      if (length == 0 || length > seqLen) {
        throw new IllegalArgumentException("segment of " + segment.docId() + " has " + length
            + " tokens; a row holds 1 to " + seqLen);
      }
      if (row.remaining() < length) {
        rows.add(row.build());
        row = new RowBuilder(seqLen, padId);
      }
      row.add(segment.tokens(), 0, length, segment.docId(), segment.offset(), segment.domain());
    }
    if (!row.isEmpty()) {
      rows.add(row.build());
    }
    return rows;
  }
}

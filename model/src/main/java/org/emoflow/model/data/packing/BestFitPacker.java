package org.emoflow.model.data.packing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.RowBuilder;

/**
 * Best-fit decreasing (Ding et al. 2024, "Fewer Truncations Improve Language Modeling"): documents
 * longer than L are cut into pieces of L (and a remainder); pieces, longest first, each go into the
 * open row with the least room that still fits them, or a new row. A document of at most L tokens is
 * never split. O(n log n) with rows indexed by remaining room.
 */
public final class BestFitPacker implements SequencePacker {
  private final int seqLen;
  private final int padId;

  public BestFitPacker(int seqLen, int padId) {
    this.seqLen = seqLen;
    this.padId = padId;
  }

  private record Piece(PackableDocument document, int order, int offset, int length) {}

  @Override
  public void pack(List<PackableDocument> documents, Consumer<PackedSequence> rows) {
    List<Piece> pieces = new ArrayList<>();
    for (int i = 0; i < documents.size(); i++) {
      PackableDocument document = documents.get(i);
      for (int offset = 0; offset < document.length(); offset += seqLen) {
        pieces.add(new Piece(document, i, offset, Math.min(seqLen, document.length() - offset)));
      }
    }
    pieces.sort(Comparator.comparingInt(Piece::length).reversed()
        .thenComparingInt(Piece::order)
        .thenComparingInt(Piece::offset));
    List<RowBuilder> opened = new ArrayList<>();
    TreeMap<Integer, Deque<RowBuilder>> byRoom = new TreeMap<>();
    for (Piece piece : pieces) {
      Map.Entry<Integer, Deque<RowBuilder>> fit = byRoom.ceilingEntry(piece.length());
      RowBuilder row;
      if (fit == null) {
        row = new RowBuilder(seqLen, padId);
        opened.add(row);
      } else {
        row = fit.getValue().pollFirst();
        if (fit.getValue().isEmpty()) {
          byRoom.remove(fit.getKey());
        }
      }
      PackableDocument document = piece.document();
      row.add(document.tokens(), piece.offset(), piece.length(), document.id(), piece.offset(), document.domain());
      if (row.remaining() > 0) {
        byRoom.computeIfAbsent(row.remaining(), k -> new ArrayDeque<>()).addLast(row);
      }
    }
    for (RowBuilder row : opened) {
      rows.accept(row.build());
    }
  }
}

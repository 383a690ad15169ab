package org.emoflow.model.data.packing;

import java.util.List;
import java.util.function.Consumer;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.RowBuilder;

/**
 * Concatenate and chunk, as EMO trained: documents back to back, cut every L tokens; a document may
 * continue into the next row as a new piece. The last partial row is padded, never dropped.
 */
public final class ConcatPacker implements SequencePacker {
  private final int seqLen;
  private final int padId;

  public ConcatPacker(int seqLen, int padId) {
    this.seqLen = seqLen;
    this.padId = padId;
  }

  @Override
  public void pack(List<PackableDocument> documents, Consumer<PackedSequence> rows) {
    RowBuilder row = new RowBuilder(seqLen, padId);
    for (PackableDocument document : documents) {
      int offset = 0;
      while (offset < document.length()) {
        int count = Math.min(row.remaining(), document.length() - offset);
        row.add(document.tokens(), offset, count, document.id(), offset, document.domain());
        offset += count;
        if (row.remaining() == 0) {
          rows.accept(row.build());
          row = new RowBuilder(seqLen, padId);
        }
      }
    }
    if (!row.isEmpty()) {
      rows.accept(row.build());
    }
  }
}

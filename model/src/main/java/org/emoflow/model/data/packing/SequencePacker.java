package org.emoflow.model.data.packing;

import java.util.List;
import java.util.function.Consumer;
import org.emoflow.model.data.PackedSequence;

/** Turns documents, in a given order, into rows of exactly L tokens that remember every piece's origin. */
public interface SequencePacker {
  void pack(List<PackableDocument> documents, Consumer<PackedSequence> rows);

  static SequencePacker of(String mode, int seqLen, int padId) {
    return switch (mode) {
      case "concat" -> new ConcatPacker(seqLen, padId);
      case "bestfit" -> new BestFitPacker(seqLen, padId);
      default -> throw new IllegalArgumentException("unknown packing '" + mode + "', expected concat or bestfit");
    };
  }
}

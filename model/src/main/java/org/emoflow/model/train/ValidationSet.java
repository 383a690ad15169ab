package org.emoflow.model.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;

/**
 * The validation rows used during training: up to {@code limit} rows, shared evenly among domains (by
 * the domain of a row's first segment), read in file order so every run picks the same rows.
 */
final class ValidationSet {
  private ValidationSet() {}

  static List<PackedSequence> select(PreparedDataset data, int limit) throws IOException {
    List<PackedSequence> chosen = new ArrayList<>();
    if (limit == 0) {
      return chosen;
    }
    int domains = Math.max(1, data.domains().size());
    int quota = (limit + domains - 1) / domains;
    Map<String, Integer> taken = new HashMap<>();
    for (Path file : data.files(PreparedDataset.VALIDATION)) {
      try (var reader = ParquetFiles.<TrainingSequence>reader(file)) {
        for (TrainingSequence row = reader.read(); row != null && chosen.size() < limit; row = reader.read()) {
          PackedSequence packed = PreparedDataset.toPacked(row);
          if (packed.domains().length == 0) {
            continue;
          }
          int count = taken.merge(packed.domains()[0], 1, Integer::sum);
          if (count <= quota) {
            chosen.add(packed);
          }
        }
      }
    }
    return chosen;
  }
}

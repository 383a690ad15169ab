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
 * The validation rows used during training: for each domain (the domain of a row's first segment) up to
 * an even share of {@code limit} rows, read in file order so every run picks the same rows. Reading
 * stops once every domain has its share, so a large validation split is not read whole.
 */
final class ValidationSet {
  private ValidationSet() {}

  static List<PackedSequence> select(PreparedDataset data, int limit) throws IOException {
    List<PackedSequence> chosen = new ArrayList<>();
    if (limit == 0) {
      return chosen;
    }
    List<String> domains = data.validationDomains();
    int quota = (limit + Math.max(1, domains.size()) - 1) / Math.max(1, domains.size());
    Map<String, Integer> taken = new HashMap<>();
    for (Path file : data.files(PreparedDataset.VALIDATION)) {
      try (var reader = ParquetFiles.<TrainingSequence>reader(file)) {
        for (TrainingSequence row = reader.read(); row != null && !allFull(taken, domains, quota); row = reader.read()) {
          PackedSequence packed = PreparedDataset.toPacked(row);
          if (packed.domains().length > 0 && taken.merge(packed.domains()[0], 1, Integer::sum) <= quota) {
            chosen.add(packed);
          }
        }
      }
    }
    return chosen;
  }

  private static boolean allFull(Map<String, Integer> taken, List<String> domains, int quota) {
    return !domains.isEmpty() && domains.stream().allMatch(d -> taken.getOrDefault(d, 0) >= quota);
  }
}

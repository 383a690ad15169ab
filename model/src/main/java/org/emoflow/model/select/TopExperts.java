package org.emoflow.model.select;

import java.util.Comparator;
import java.util.stream.IntStream;

/** The highest-scoring expert ids, returned in ascending id order; of equal scores the lower id wins. */
final class TopExperts {
  private TopExperts() {}

  static int[] of(double[] scores, int count) {
    return IntStream.range(0, scores.length).boxed()
        .sorted(Comparator.comparingDouble((Integer e) -> -scores[e]).thenComparingInt(e -> e))
        .limit(count)
        .mapToInt(Integer::intValue)
        .sorted()
        .toArray();
  }
}

package org.emoflow.transforms.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.KV;

/**
 * Word counts in training order: most frequent first, ties by the word (String order). The order is
 * total, so which words make the --max-words cut depends on the counts alone, not on arrival order.
 */
final class RankedWords {
  static final Comparator<KV<String, Long>> MOST_FREQUENT_FIRST =
      Comparator.<KV<String, Long>>comparingLong(KV::getValue).reversed().thenComparing(KV::getKey);

  static final Coder<List<KV<String, Long>>> CODER =
      ListCoder.of(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));

  private RankedWords() {}

  /** The first {@code limit} words, in order, of those counted at least {@code minFrequency} times. */
  static List<KV<String, Long>> top(Map<String, Long> counts, long minFrequency, int limit) {
    return counts.entrySet().stream()
        .filter(entry -> entry.getValue() >= minFrequency)
        .map(entry -> KV.of(entry.getKey(), entry.getValue()))
        .sorted(MOST_FREQUENT_FIRST)
        .limit(limit)
        .toList();
  }

  /** The first {@code limit} words of two ranked lists with no word in common, in order. */
  static List<KV<String, Long>> merge(List<KV<String, Long>> first, List<KV<String, Long>> second, int limit) {
    List<KV<String, Long>> merged = new ArrayList<>(Math.min(limit, first.size() + second.size()));
    int i = 0;
    int j = 0;
    while (merged.size() < limit && (i < first.size() || j < second.size())) {
      boolean takeFirst = j == second.size()
          || (i < first.size() && MOST_FREQUENT_FIRST.compare(first.get(i), second.get(j)) <= 0);
      merged.add(takeFirst ? first.get(i++) : second.get(j++));
    }
    return merged;
  }
}

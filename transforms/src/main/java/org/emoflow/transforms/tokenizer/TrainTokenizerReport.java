package org.emoflow.transforms.tokenizer;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * What a {@link TrainTokenizer} run saw and made, read from its counters once it is done. Committed
 * values where the runner has them (DirectRunner); attempted ones elsewhere (Flink), which a retried
 * bundle would inflate.
 *
 * @param rejectedByReason rejected documents by {@link org.emoflow.transforms.io.RejectReason} code
 * @param wordOccurrences pre-tokens cut from the used documents
 * @param distinctWords distinct pre-tokens among them
 * @param frequentWords distinct pre-tokens seen at least --min-frequency times
 * @param keptWords the most frequent of those, at most --max-words: what the trainer learned from
 * @param vocabSize tokens in the written tokenizer, EOS included: less than asked for when the kept words
 *     ran out of pairs to merge
 */
public record TrainTokenizerReport(
    long documentsRead,
    long documentsRejected,
    Map<String, Long> rejectedByReason,
    long blankLines,
    long wordOccurrences,
    long distinctWords,
    long frequentWords,
    long keptWords,
    long vocabSize,
    long merges) {
  static final String NAMESPACE = "train-tokenizer";
  static final String WORD_OCCURRENCES = "words.occurrences";
  static final String DISTINCT_WORDS = "words.distinct";
  static final String FREQUENT_WORDS = "words.frequent";
  static final String KEPT_WORDS = "words.kept";
  static final String VOCAB_SIZE = "vocab.size";
  static final String MERGES = "vocab.merges";
  private static final String REASON_PREFIX = "reason:";

  public long documentsUsed() {
    return documentsRead - documentsRejected;
  }

  public static TrainTokenizerReport of(PipelineResult result) {
    Map<String, Long> counters = new TreeMap<>();
    MetricsFilter filter = MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(NAMESPACE)).build();
    for (MetricResult<Long> counter : result.metrics().queryMetrics(filter).getCounters()) {
      long value = counter.hasCommitted() ? counter.getCommitted() : counter.getAttempted();
      counters.merge(counter.getName().getName(), value, Long::sum);
    }
    Map<String, Long> byReason = new TreeMap<>();
    counters.forEach((name, count) -> {
      if (name.startsWith(REASON_PREFIX)) {
        byReason.put(name.substring(REASON_PREFIX.length()), count);
      }
    });
    return new TrainTokenizerReport(
        counters.getOrDefault("read", 0L), counters.getOrDefault("rejected", 0L), byReason,
        counters.getOrDefault("blank_lines", 0L), counters.getOrDefault(WORD_OCCURRENCES, 0L),
        counters.getOrDefault(DISTINCT_WORDS, 0L), counters.getOrDefault(FREQUENT_WORDS, 0L),
        counters.getOrDefault(KEPT_WORDS, 0L), counters.getOrDefault(VOCAB_SIZE, 0L),
        counters.getOrDefault(MERGES, 0L));
  }
}

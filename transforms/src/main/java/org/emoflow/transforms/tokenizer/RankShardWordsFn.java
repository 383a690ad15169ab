package org.emoflow.transforms.tokenizer;

import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.emoflow.transforms.prepare.Tallies;

/**
 * One shard's exact word counts to its own ranked candidates for the training words: those seen at
 * least --min-frequency times, at most --max-words of them. Tallies what the shard saw.
 */
final class RankShardWordsFn extends DoFn<KV<Integer, Map<String, Long>>, List<KV<String, Long>>> {
  private final long minFrequency;
  private final int maxWords;

  RankShardWordsFn(long minFrequency, int maxWords) {
    this.minFrequency = minFrequency;
    this.maxWords = maxWords;
  }

  @ProcessElement
  public void process(@Element KV<Integer, Map<String, Long>> shard, MultiOutputReceiver out) {
    Map<String, Long> counts = shard.getValue();
    long occurrences = 0;
    long frequent = 0;
    for (long count : counts.values()) {
      occurrences += count;
      frequent += count >= minFrequency ? 1 : 0;
    }
    out.get(TrainingWords.RANKED).output(RankedWords.top(counts, minFrequency, maxWords));
    Tallies tallies = new Tallies();
    tallies.add(TrainTokenizerReport.WORD_OCCURRENCES, occurrences);
    tallies.add(TrainTokenizerReport.DISTINCT_WORDS, counts.size());
    tallies.add(TrainTokenizerReport.FREQUENT_WORDS, frequent);
    tallies.emit(out);
  }
}

package org.emoflow.transforms.tokenizer;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;

/** Adds up partial word counts: per shard, the corpus count of each of its words. */
final class SumWordCountsFn extends Combine.CombineFn<Map<String, Long>, Map<String, Long>, Map<String, Long>> {
  static final Coder<Map<String, Long>> CODER = MapCoder.of(StringUtf8Coder.of(), VarLongCoder.of());

  @Override
  public Map<String, Long> createAccumulator() {
    return new HashMap<>();
  }

  @Override
  public Map<String, Long> addInput(Map<String, Long> sum, Map<String, Long> counts) {
    counts.forEach((word, count) -> sum.merge(word, count, Long::sum));
    return sum;
  }

  /** Adds the smaller maps into the largest, which is the cheapest to keep. */
  @Override
  public Map<String, Long> mergeAccumulators(Iterable<Map<String, Long>> sums) {
    Map<String, Long> largest = createAccumulator();
    for (Map<String, Long> sum : sums) {
      if (sum.size() > largest.size()) {
        Map<String, Long> smaller = largest;
        largest = sum;
        addInput(largest, smaller);
      } else {
        addInput(largest, sum);
      }
    }
    return largest;
  }

  @Override
  public Map<String, Long> extractOutput(Map<String, Long> sum) {
    return sum;
  }

  @Override
  public Coder<Map<String, Long>> getAccumulatorCoder(CoderRegistry registry, Coder<Map<String, Long>> inputCoder) {
    return CODER;
  }
}

package org.emoflow.transforms.tokenizer;

import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.values.KV;

/**
 * The shards' ranked candidates to the training words: the first --max-words of all of them. Every
 * shard offered its own first --max-words, so none of the overall first is missing.
 */
final class MergeRankedWordsFn
    extends Combine.CombineFn<List<KV<String, Long>>, List<KV<String, Long>>, List<KV<String, Long>>> {
  private final int maxWords;

  MergeRankedWordsFn(int maxWords) {
    this.maxWords = maxWords;
  }

  @Override
  public List<KV<String, Long>> createAccumulator() {
    return List.of();
  }

  @Override
  public List<KV<String, Long>> addInput(List<KV<String, Long>> ranked, List<KV<String, Long>> candidates) {
    return RankedWords.merge(ranked, candidates, maxWords);
  }

  @Override
  public List<KV<String, Long>> mergeAccumulators(Iterable<List<KV<String, Long>>> rankings) {
    List<KV<String, Long>> merged = createAccumulator();
    for (List<KV<String, Long>> ranked : rankings) {
      merged = addInput(merged, ranked);
    }
    return merged;
  }

  @Override
  public List<KV<String, Long>> extractOutput(List<KV<String, Long>> ranked) {
    return ranked;
  }

  @Override
  public Coder<List<KV<String, Long>>> getAccumulatorCoder(
      CoderRegistry registry, Coder<List<KV<String, Long>>> inputCoder) {
    return RankedWords.CODER;
  }

  @Override
  public Coder<List<KV<String, Long>>> getDefaultOutputCoder(
      CoderRegistry registry, Coder<List<KV<String, Long>>> inputCoder) {
    return RankedWords.CODER;
  }
}

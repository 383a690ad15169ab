package org.emoflow.transforms.tokenizer;

import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.prepare.Tallies;

/**
 * Documents to the words the BPE trainer learns from: the --max-words most frequent pre-tokens seen at
 * least --min-frequency times, with their exact corpus counts, in {@link RankedWords} order. Always
 * exactly one element, an empty list for an empty corpus.
 *
 * <p>Words are counted under a few shard keys (word hash), never under one key per word: the
 * DirectRunner processes every key of a grouping's output as a bundle of its own, at milliseconds
 * each (Count.perElement of 20k words and a filter after it took a minute here), and real corpora
 * have millions of distinct words.
 */
final class TrainingWords extends PTransform<PCollection<Document>, PCollectionTuple> {
  static final TupleTag<List<KV<String, Long>>> RANKED = new TupleTag<>("ranked-words") {};
  /** Each shard's counts meet on one worker: enough shards to spread them over a small cluster. */
  private static final int SHARDS = 32;
  private static final int MAX_BUFFERED_WORDS = 1 << 18;

  private final long minFrequency;
  private final int maxWords;
  private final int maxBufferedWords;

  TrainingWords(long minFrequency, int maxWords) {
    this(minFrequency, maxWords, MAX_BUFFERED_WORDS);
  }

  /** {@code maxBufferedWords}: distinct words a bundle counts in memory before it emits them. */
  TrainingWords(long minFrequency, int maxWords, int maxBufferedWords) {
    this.minFrequency = minFrequency;
    this.maxWords = maxWords;
    this.maxBufferedWords = maxBufferedWords;
  }

  @Override
  public PCollectionTuple expand(PCollection<Document> documents) {
    PCollectionTuple ranked = documents
        .apply("CountInBundles", ParDo.of(new CountWordsFn(SHARDS, maxBufferedWords)))
        .setCoder(KvCoder.of(VarIntCoder.of(), SumWordCountsFn.CODER))
        .apply("SumPerShard", Combine.perKey(new SumWordCountsFn()))
        .apply("RankPerShard", ParDo.of(new RankShardWordsFn(minFrequency, maxWords))
            .withOutputTags(RANKED, TupleTagList.of(Tallies.TAG)));
    PCollection<List<KV<String, Long>>> words = ranked.get(RANKED)
        .setCoder(RankedWords.CODER)
        .apply("MergeShards", Combine.globally(new MergeRankedWordsFn(maxWords)));
    return PCollectionTuple.of(RANKED, words)
        .and(Tallies.TAG, ranked.get(Tallies.TAG).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
  }
}

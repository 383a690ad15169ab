package org.emoflow.transforms.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.emoflow.model.tokenizer.ByteLevelPreTokenizer;
import org.emoflow.transforms.io.Document;

/**
 * Counts the pre-tokens of a bundle's documents in memory, in one map per shard of words, and emits the
 * maps: a few elements per bundle instead of one per word occurrence. It also emits once {@code
 * maxBufferedWords} distinct words are held, since a Flink batch bundle is a whole partition.
 */
final class CountWordsFn extends DoFn<Document, KV<Integer, Map<String, Long>>> {
  private final int shards;
  private final int maxBufferedWords;
  private transient List<Map<String, Long>> counts;
  private transient int bufferedWords;

  CountWordsFn(int shards, int maxBufferedWords) {
    this.shards = shards;
    this.maxBufferedWords = maxBufferedWords;
  }

  private static int shardOf(String word, int shards) {
    return Math.floorMod(word.hashCode(), shards);
  }

  @StartBundle
  public void startBundle() {
    clear();
  }

  @ProcessElement
  public void process(@Element Document document, OutputReceiver<KV<Integer, Map<String, Long>>> out) {
    for (String word : ByteLevelPreTokenizer.split(document.text())) {
      if (counts.get(shardOf(word, shards)).merge(word, 1L, Long::sum) == 1L) {
        bufferedWords++;
      }
    }
    if (bufferedWords >= maxBufferedWords) {
      emit(out::output);
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    // Emitted for no element in particular; the input is batch data in the global window.
    emit(shard -> context.output(shard, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE));
  }

  private void emit(Consumer<KV<Integer, Map<String, Long>>> out) {
    for (int shard = 0; shard < shards; shard++) {
      if (!counts.get(shard).isEmpty()) {
        out.accept(KV.of(shard, counts.get(shard)));
      }
    }
    clear();
  }

  /** Fresh maps: the emitted ones belong to the runner now. */
  private void clear() {
    counts = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      counts.add(new HashMap<>());
    }
    bufferedWords = 0;
  }
}

package org.emoflow.transforms.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.emoflow.model.tokenizer.ByteLevelPreTokenizer;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.prepare.Tallies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The words the trainer gets, checked against counts made directly in Java, on the DirectRunner. */
class TrainingWordsTest {
  private static final String[] SNIPPETS = {
    "The cat sat on the mat. The cat's mat!", "El niño comió piña y acción, ¿verdad?",
    "for (int i = 0; i < n; i++) {\n    sum += a[i];\n}", "東京は日本の首都です。", "I 😀 emoji 👨‍👩‍👧 and\tTABS",
    "spaces     between\n\n\nlines  ", "e\u0301 combining a\u0308 marks", "numbers 12345 and 2024-01-01",
  };

  private static List<Document> corpus(long seed, int documents) {
    Random random = new Random(seed);
    List<Document> corpus = new ArrayList<>();
    for (int d = 0; d < documents; d++) {
      StringBuilder text = new StringBuilder();
      for (int s = 1 + random.nextInt(6); s > 0; s--) {
        text.append(SNIPPETS[random.nextInt(SNIPPETS.length)]).append(random.nextBoolean() ? " " : "\n");
      }
      String domain = "domain" + d % 3;
      corpus.add(new Document("doc-" + d, text.toString(), domain, domain + ".jsonl", d + 1));
    }
    return corpus;
  }

  private static Map<String, Long> countedInJava(List<Document> corpus) {
    Map<String, Long> counts = new HashMap<>();
    for (Document document : corpus) {
      for (String word : ByteLevelPreTokenizer.split(document.text())) {
        counts.merge(word, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** The documented order: most frequent first, then by the word. */
  private static List<KV<String, Long>> ranked(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()))
        .map(entry -> KV.of(entry.getKey(), entry.getValue()))
        .toList();
  }

  private static PCollectionTuple trainingWords(Pipeline pipeline, List<Document> corpus, TrainingWords words) {
    return pipeline.apply(Create.of(corpus).withCoder(new Document.Coder())).apply(words);
  }

  @ParameterizedTest(name = "emitting every {0} distinct words")
  @ValueSource(ints = {3, 1 << 18})
  void feedsTheTrainerExactlyTheWordCountsOfTheCorpus(int maxBufferedWords) {
    List<Document> corpus = corpus(1, 200);
    Map<String, Long> expected = countedInJava(corpus);
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());

    PCollectionTuple words = trainingWords(pipeline, corpus, new TrainingWords(1, Integer.MAX_VALUE, maxBufferedWords));

    PAssert.thatSingleton(words.get(TrainingWords.RANKED)).isEqualTo(ranked(expected));
    PAssert.that(words.get(Tallies.TAG).apply(Sum.longsPerKey())).containsInAnyOrder(
        KV.of(TrainTokenizerReport.WORD_OCCURRENCES, expected.values().stream().mapToLong(Long::longValue).sum()),
        KV.of(TrainTokenizerReport.DISTINCT_WORDS, (long) expected.size()),
        KV.of(TrainTokenizerReport.FREQUENT_WORDS, (long) expected.size()));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void keepsTheMostFrequentOfTheWordsSeenOftenEnoughTiesGoingToTheSmallerWord() {
    // aa x1, " bb" x2, " cc" x2, " dd" x3, ee x1; byte-level text writes the space as 'Ġ'.
    List<Document> corpus = List.of(
        new Document("1", "aa bb cc dd", "web", "a.jsonl", 1),
        new Document("2", "ee cc dd bb dd", "web", "a.jsonl", 2));
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());

    PCollectionTuple words = trainingWords(pipeline, corpus, new TrainingWords(2, 2));

    PAssert.thatSingleton(words.get(TrainingWords.RANKED)).isEqualTo(List.of(KV.of("Ġdd", 3L), KV.of("Ġbb", 2L)));
    PAssert.that(words.get(Tallies.TAG).apply(Sum.longsPerKey())).containsInAnyOrder(
        KV.of(TrainTokenizerReport.WORD_OCCURRENCES, 9L),
        KV.of(TrainTokenizerReport.DISTINCT_WORDS, 5L),
        KV.of(TrainTokenizerReport.FREQUENT_WORDS, 3L));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void cutsAtMaxWordsInTheSameOrderAsTheFullRanking() {
    List<Document> corpus = corpus(2, 300);
    List<KV<String, Long>> full = ranked(countedInJava(corpus)).stream().filter(w -> w.getValue() >= 3).toList();
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());

    PCollectionTuple words = trainingWords(pipeline, corpus, new TrainingWords(3, 25, 7));

    PAssert.thatSingleton(words.get(TrainingWords.RANKED)).isEqualTo(full.subList(0, 25));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void givesOneEmptyListForAnEmptyCorpus() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());

    PCollectionTuple words = trainingWords(pipeline, List.of(), new TrainingWords(2, 100));

    PAssert.thatSingleton(words.get(TrainingWords.RANKED)).isEqualTo(List.of());
    pipeline.run().waitUntilFinish();
  }
}

package org.emoflow.model.tokenizer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Measures, on one thread: encode throughput over a Dolma-style corpus, encode time of 1 MB
 * pathological documents, and BPE training time for 8k and 16k vocabularies. Not a test. Run from
 * the checkout root after {@code mvn -pl model -am test-compile}:
 *
 * <pre>
 * mvn -q -pl model dependency:build-classpath -Dmdep.outputFile=/tmp/model-cp.txt -Dmdep.includeScope=test
 * java -Xmx6g -cp model/target/classes:model/target/test-classes:$(cat /tmp/model-cp.txt) \
 *     org.emoflow.model.tokenizer.TokenizerBenchmark ../shared/corpus cl100k_base r50k_base \
 *     ../shared/tokenizers/gpt2/tokenizer.json ../shared/tokenizers/cl100k/tokenizer.json
 * </pre>
 */
public final class TokenizerBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int MEGABYTE = 1 << 20;

  private TokenizerBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<List<String>> corpus = new ArrayList<>();
    for (Path file : DolmaJsonl.files(Path.of(args[0]))) {
      corpus.add(DolmaJsonl.texts(file));
    }
    List<String> specs = List.of(args).subList(1, args.length);
    for (String spec : specs) {
      throughput(spec, corpus);
    }
    for (String spec : specs) {
      pathological(spec, corpus.get(0));
    }
    bpeTraining(corpus);
  }

  private static void throughput(String spec, List<List<String>> corpus) {
    try (TextTokenizer tokenizer = Tokenizers.load(spec)) {
      corpus.get(0).forEach(tokenizer::encode);
      long bytes = 0;
      long tokens = 0;
      long wallNanos = 0;
      long cpuNanos = 0;
      for (List<String> documents : corpus) {
        for (String text : documents) {
          long wall = System.nanoTime();
          long cpu = THREADS.getCurrentThreadCpuTime();
          tokens += tokenizer.encode(text).length;
          cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu;
          wallNanos += System.nanoTime() - wall;
          bytes += text.getBytes(StandardCharsets.UTF_8).length;
        }
      }
      System.out.printf(
          "throughput %-48s %5.1f MB in %6.2f s wall, %6.2f s cpu: %5.2f MB/s per core, %4.2f bytes/token%n",
          spec, bytes / 1e6, wallNanos / 1e9, cpuNanos / 1e9, bytes / 1e6 / (cpuNanos / 1e9),
          (double) bytes / tokens);
    }
  }

  private static void pathological(String spec, List<String> documents) {
    Random random = new Random(1);
    StringBuilder letters = new StringBuilder();
    StringBuilder cjk = new StringBuilder();
    for (int i = 0; i < MEGABYTE; i++) {
      letters.append((char) ('a' + random.nextInt(26)));
      cjk.append((char) (0x4E00 + random.nextInt(0x5000)));
    }
    StringBuilder prose = new StringBuilder();
    for (int i = 0; prose.length() < MEGABYTE; i++) {
      prose.append(documents.get(i % documents.size()));
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("1M 'a'", "a".repeat(MEGABYTE));
    inputs.put("1M random letters", letters.toString());
    inputs.put("1M CJK chars", cjk.toString());
    inputs.put("1M spaces", " ".repeat(MEGABYTE));
    inputs.put("1M chars of corpus", prose.substring(0, MEGABYTE));
    try (TextTokenizer tokenizer = Tokenizers.load(spec)) {
      tokenizer.encode(prose.substring(0, 100_000));
      inputs.forEach(
          (name, text) -> {
            Timing encoding = time(() -> tokenizer.encode(text));
            System.out.printf("pathological %-48s %-20s %s%n", spec, name, encoding);
          });
    }
  }

  private static void bpeTraining(List<List<String>> corpus) {
    Map<String, Long> counts = new HashMap<>();
    Timing counting =
        time(
            () -> {
              for (List<String> documents : corpus) {
                for (String text : documents) {
                  ByteLevelPreTokenizer.split(text).forEach(word -> counts.merge(word, 1L, Long::sum));
                }
              }
              return counts;
            });
    System.out.printf("bpe: %,d distinct pre-tokens counted in %s%n", counts.size(), counting);
    train("corpus", counts);
    train("corpus + joined pairs of its words", withJoinedWords(counts, 1_000_000));
  }

  private static void train(String words, Map<String, Long> counts) {
    for (int vocabSize : new int[] {8192, 16384}) {
      BpeModel[] model = new BpeModel[1];
      Timing training = time(() -> model[0] = BpeTrainer.train(counts, vocabSize, List.of("<|endoftext|>")));
      System.out.printf(
          "bpe: %,d distinct words (%s): vocab %,d (%,d merges) trained in %s%n",
          counts.size(), words, model[0].vocab().size(), model[0].merges().size(), training);
    }
  }

  /** Grows {@code counts} to {@code distinct} words by joining random pairs of its words (count 1-3). */
  private static Map<String, Long> withJoinedWords(Map<String, Long> counts, int distinct) {
    Random random = new Random(2);
    List<String> words = new ArrayList<>(counts.keySet());
    Map<String, Long> grown = new HashMap<>(counts);
    while (grown.size() < distinct) {
      String joined = words.get(random.nextInt(words.size())) + words.get(random.nextInt(words.size()));
      grown.merge(joined, 1L + random.nextInt(3), Long::sum);
    }
    return grown;
  }

  /** Wall and CPU time of this thread: on a busy machine the CPU time is the cost per core. */
  private record Timing(double wallSeconds, double cpuSeconds) {
    @Override
    public String toString() {
      return String.format("%6.2f s wall, %6.2f s cpu", wallSeconds, cpuSeconds);
    }
  }

  private static Timing time(Supplier<?> work) {
    long wall = System.nanoTime();
    long cpu = THREADS.getCurrentThreadCpuTime();
    work.get();
    return new Timing((System.nanoTime() - wall) / 1e9, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9);
  }
}

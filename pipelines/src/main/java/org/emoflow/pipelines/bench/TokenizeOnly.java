package org.emoflow.pipelines.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.pipelines.cli.DocumentInputOptions;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.io.DocumentFiles;
import org.emoflow.transforms.io.FieldNames;
import org.emoflow.transforms.io.RecordSink;
import org.emoflow.transforms.io.RejectReason;

/**
 * The ceiling for prepare's throughput: the same documents, already in memory, encoded by the same
 * tokenizer on as many threads as prepare has cores, and nothing else (no reading, packing or writing).
 */
final class TokenizeOnly {
  /** The texts prepare would tokenize, read with prepare's own readers and its field options. */
  record Corpus(List<String> texts, long utf8Bytes) {
    double megabytes() {
      return utf8Bytes / 1e6;
    }
  }

  record Result(double seconds, long tokens) {}

  private TokenizeOnly() {}

  static Corpus load(List<String> files, DocumentInputOptions options) throws IOException {
    DocumentFiles reader = new DocumentFiles(
        new FieldNames(options.getTextField(), options.getIdField(), options.getDomainField()),
        options.getMaxDocumentBytes());
    List<String> texts = new ArrayList<>();
    RecordSink sink = new RecordSink() {
      @Override
      public void accept(Document document) {
        texts.add(document.text());
      }

      @Override
      public void reject(String sourceFile, Long line, String docId, String domain, RejectReason reason,
          String detail) {}

      @Override
      public void blankLine() {}
    };
    for (String file : files) {
      reader.read(file, sink);
    }
    // Longest first, so that no thread is left with one big document at the end.
    texts.sort(Comparator.comparingInt(String::length).reversed());
    long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
    return new Corpus(List.copyOf(texts), bytes);
  }

  /** Encodes every text once; tokenizers are loaded before the clock starts, one per thread. */
  static Result encode(Corpus corpus, String spec, String eosToken, int threads) throws Exception {
    List<TextTokenizer> tokenizers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int i = 0; i < threads; i++) {
        tokenizers.add(Tokenizers.load(spec, eosToken));
      }
      AtomicInteger next = new AtomicInteger();
      long started = System.nanoTime();
      List<Future<Long>> workers = new ArrayList<>();
      for (TextTokenizer tokenizer : tokenizers) {
        workers.add(pool.submit(() -> {
          long tokens = 0;
          for (int i = next.getAndIncrement(); i < corpus.texts().size(); i = next.getAndIncrement()) {
            tokens += tokenizer.encode(corpus.texts().get(i)).length;
          }
          return tokens;
        }));
      }
      long tokens = 0;
      for (Future<Long> worker : workers) {
        tokens += worker.get();
      }
      return new Result((System.nanoTime() - started) / 1e9, tokens);
    } finally {
      pool.shutdownNow();
      tokenizers.forEach(TextTokenizer::close);
    }
  }
}

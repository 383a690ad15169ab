package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.emoflow.model.tokenizer.ByteLevelPreTokenizer;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.transforms.tokenizer.TrainTokenizerReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer trained by the pipeline (DirectRunner), loaded through DJL's HuggingFace binding. */
class TrainedTokenizerTest {
  private static final int VOCAB_SIZE = 800;
  private static final int DOCUMENTS_PER_DOMAIN = 40;

  @TempDir static Path directory;
  private static TokenizerCorpus corpus;
  private static TrainTokenizerReport report;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void train() throws IOException {
    corpus = TokenizerCorpus.write(directory, 11, DOCUMENTS_PER_DOMAIN);
    Path output = directory.resolve("trained/tokenizer.json");
    report = TokenizerTraining.run(new ByteArrayOutputStream(),
        "--input=" + corpus.glob(), "--output=" + output, "--vocab-size=" + VOCAB_SIZE);
    tokenizer = Tokenizers.load(output.toString());
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void hasTheVocabSizeAskedForWithEosLast() {
    assertEquals("huggingface", tokenizer.backend());
    assertEquals(VOCAB_SIZE, tokenizer.vocabSize());
    assertEquals(VOCAB_SIZE, report.vocabSize());
    assertEquals(VOCAB_SIZE - 1, tokenizer.eosId());
    assertEquals("<|endoftext|>", tokenizer.decode(new int[] {tokenizer.eosId()}));
  }

  @Test
  void reportsWhatItReadAndCounted() {
    long occurrences = corpus.texts().values().stream().mapToLong(t -> ByteLevelPreTokenizer.split(t).size()).sum();

    assertEquals(TokenizerCorpus.DOMAINS * DOCUMENTS_PER_DOMAIN + 1, report.documentsRead());
    assertEquals(TokenizerCorpus.DOMAINS * DOCUMENTS_PER_DOMAIN, report.documentsUsed());
    assertEquals(Map.of("malformed_json", 1L), report.rejectedByReason());
    assertEquals(1, report.blankLines());
    assertEquals(occurrences, report.wordOccurrences());
    assertTrue(report.frequentWords() < report.distinctWords(), "some words are seen only once");
    assertEquals(report.frequentWords(), report.keptWords(), "all frequent words fit under --max-words");
  }

  @Test
  void roundTripsRandomUnicodeExactly() {
    for (int seed = 0; seed < 1000; seed++) {
      String text = RandomUnicode.generate(new Random(seed), 1 + seed % 150);
      assertEquals(text, tokenizer.decode(tokenizer.encode(text)), "seed " + seed);
    }
  }

  @Test
  void roundTripsLongRunsOfOneKind() {
    for (String text : new String[] {
        " ".repeat(3000) + "x", "y".repeat(5000), "\n".repeat(1500) + "end", "😀".repeat(1200), "é".repeat(2500)}) {
      assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
    }
  }

  @Test
  void roundTripsTheCorpusInFarFewerTokensThanBytes() {
    long bytes = 0;
    long tokens = 0;
    for (String text : corpus.texts().values()) {
      int[] ids = tokenizer.encode(text);
      assertEquals(text, tokenizer.decode(ids));
      bytes += text.getBytes(StandardCharsets.UTF_8).length;
      tokens += ids.length;
    }
    assertTrue(tokens < bytes / 3, tokens + " tokens for " + bytes + " bytes: the merges apply");
  }

  @Test
  void stopsShortOfTheVocabSizeWhenTheWordsRunOutOfPairs() throws IOException {
    Path output = directory.resolve("huge/tokenizer.json");
    ByteArrayOutputStream log = new ByteArrayOutputStream();

    TrainTokenizerReport huge = TokenizerTraining.run(log,
        "--input=" + corpus.glob(), "--output=" + output, "--vocab-size=100000");

    assertTrue(huge.vocabSize() > VOCAB_SIZE && huge.vocabSize() < 100_000, "vocab " + huge.vocabSize());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("of the 100,000 asked for: the kept words ran out"),
        log.toString(StandardCharsets.UTF_8));
    try (TextTokenizer loaded = Tokenizers.load(output.toString())) {
      assertEquals(huge.vocabSize(), loaded.vocabSize());
      assertEquals(huge.vocabSize() - 1, loaded.eosId());
    }
  }
}

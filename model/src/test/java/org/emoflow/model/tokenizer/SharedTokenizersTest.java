package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One tokenizer per definition and JVM, used by several threads at once, freed by its last user. */
class SharedTokenizersTest {
  @TempDir static Path directory;
  private static Path file;
  private static List<String> texts;

  @BeforeAll
  static void writeTokenizer() throws IOException {
    file = directory.resolve("tokenizer.json");
    TestModels.trained(7, 900, "<|endoftext|>").writeTokenizerJson(file);
    texts = new ArrayList<>();
    for (int seed = 0; seed < 400; seed++) {
      texts.add(RandomText.generate(new Random(seed), 1 + seed % 300));
    }
  }

  @Test
  void threadsSharingOneHuggingFaceTokenizerGetWhatOneThreadAloneGets() throws Exception {
    List<int[]> alone = new ArrayList<>();
    try (TextTokenizer own = Tokenizers.load(file.toString())) {
      texts.forEach(text -> alone.add(own.encode(text)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (TextTokenizer shared = Tokenizers.shared(file.toString(), null)) {
      List<Future<List<int[]>>> workers = new ArrayList<>();
      for (int worker = 0; worker < 4; worker++) {
        workers.add(pool.submit(() -> {
          List<int[]> encoded = new ArrayList<>();
          for (int round = 0; round < 3; round++) {
            encoded.clear();
            texts.forEach(text -> encoded.add(shared.encode(text)));
          }
          return encoded;
        }));
      }
      for (Future<List<int[]>> worker : workers) {
        List<int[]> encoded = worker.get();
        for (int i = 0; i < texts.size(); i++) {
          assertArrayEquals(alone.get(i), encoded.get(i), texts.get(i));
          assertEquals(texts.get(i), shared.decode(encoded.get(i)));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTokenizerStaysUsableUntilItsLastUserClosesIt() {
    TextTokenizer first = Tokenizers.shared(file.toString(), null);
    TextTokenizer second = Tokenizers.shared(file.toString(), null);
    int[] expected = first.encode(texts.get(50));
    first.close();
    first.close();  // a second close releases nothing more
    assertArrayEquals(expected, second.encode(texts.get(50)));
    second.close();
    try (TextTokenizer again = Tokenizers.shared(file.toString(), null)) {
      assertArrayEquals(expected, again.encode(texts.get(50)), "loaded anew after the last release");
    }
  }

  @Test
  void aRewrittenFileIsLoadedAnewNotServedFromTheSharedOne() throws IOException {
    Path changing = directory.resolve("changing.json");
    TestModels.trained(7, 900, "<|endoftext|>").writeTokenizerJson(changing);
    try (TextTokenizer before = Tokenizers.shared(changing.toString(), null)) {
      TestModels.trained(7, 600, "<|endoftext|>").writeTokenizerJson(changing);
      try (TextTokenizer after = Tokenizers.shared(changing.toString(), null)) {
        assertEquals(900, before.vocabSize());
        assertEquals(600, after.vocabSize());
        assertNotEquals(before.fingerprint(), after.fingerprint());
      }
    }
  }

  @Test
  void aTiktokenEncodingIsSharedToo() {
    try (TextTokenizer a = Tokenizers.shared("cl100k_base", null);
        TextTokenizer b = Tokenizers.shared("cl100k_base", "<|endoftext|>")) {
      assertArrayEquals(new int[] {15339, 1917}, a.encode("hello world"));
      assertArrayEquals(a.encode(texts.get(9)), b.encode(texts.get(9)));
      assertEquals(100257, b.eosId());
    }
  }
}

package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** 1 MB documents with no (or only) whitespace finish and round-trip; their time is in the benchmark. */
class PathologicalInputTest {
  private static final int SIZE = 1 << 20;

  @TempDir static Path directory;

  static Stream<String> specs() throws IOException {
    Path trained = directory.resolve("trained.json");
    TestModels.trained(5, 1000, "<|endoftext|>").writeTokenizerJson(trained);
    List<String> specs = new ArrayList<>(List.of("cl100k_base", trained.toString()));
    SharedTestData.find("tokenizers/cl100k/tokenizer.json").ifPresent(p -> specs.add(p.toString()));
    return specs.stream();
  }

  @ParameterizedTest
  @MethodSource("specs")
  void megabyteRunsRoundTrip(String spec) {
    Random random = new Random(3);
    StringBuilder letters = new StringBuilder(SIZE);
    StringBuilder cjk = new StringBuilder(SIZE);
    for (int i = 0; i < SIZE; i++) {
      letters.append((char) ('a' + random.nextInt(26)));
      cjk.append((char) (0x4E00 + random.nextInt(0x5000)));
    }
    try (TextTokenizer tokenizer = Tokenizers.load(spec)) {
      for (String text : List.of("a".repeat(SIZE), letters.toString(), cjk.toString(), " ".repeat(SIZE))) {
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)), spec);
      }
    }
  }
}

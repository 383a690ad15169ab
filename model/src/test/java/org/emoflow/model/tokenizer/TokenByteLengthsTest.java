package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenByteLengthsTest {
  private static final String TEXT = "Größe 数据 🙂 naïve <b>x</b>\n\tend";

  /** The byte lengths of a text's tokens add up to its UTF-8 length; EOS counts nothing. */
  private static void assertAddsUp(TextTokenizer tokenizer) {
    int[] lengths = tokenizer.tokenByteLengths();
    assertEquals(tokenizer.vocabSize(), lengths.length);
    int sum = 0;
    for (int id : tokenizer.encode(TEXT)) {
      sum += lengths[id];
    }
    assertEquals(TEXT.getBytes(StandardCharsets.UTF_8).length, sum, tokenizer.name());
    assertEquals(0, lengths[tokenizer.eosId()]);
  }

  @Test
  void tiktokenEncodings() {
    for (String name : List.of("cl100k_base", "r50k_base")) {
      try (TextTokenizer tokenizer = Tokenizers.load(name)) {
        assertAddsUp(tokenizer);
      }
    }
  }

  @Test
  void trainedByteLevelTokenizer(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    BpeTrainer.train(Map.of("Gr\u00c3\u00b6\u00c3\u0141e", 5L, "\u0120end", 3L), 300, List.of("<|endoftext|>"))
        .writeTokenizerJson(file);
    try (TextTokenizer tokenizer = Tokenizers.load(file.toString())) {
      assertAddsUp(tokenizer);
    }
  }
}

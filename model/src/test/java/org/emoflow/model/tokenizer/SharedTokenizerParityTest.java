package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * jtokkit's tiktoken encodings against the same vocabularies as HuggingFace tokenizer.json files, run
 * through the HuggingFace backend. Needs the project's shared tokenizer files, hence skipped without.
 */
class SharedTokenizerParityTest {
  private static final List<String> TEXTS =
      List.of(
          "hello world",
          "Hello, World! It's 2024; we'll see what they've done.",
          "  leading and trailing  \n\n\t mixed whitespace   ",
          "a literal <|endoftext|> is just text",
          "numbers 1234567890 3.14159 -42 1e10",
          "naïve café, Größe, 東京, Привет, مرحبا, नमस्ते, 😀👍🏽, e\u0301",
          "def f(x):\n    return x ** 2  # comment\n",
          "\u0000\u001B[31mred\u001B[0m\r\n");

  @ParameterizedTest
  @CsvSource({"r50k_base, gpt2, 50257, 50256", "cl100k_base, cl100k, 100277, 100257"})
  void sameIdsAsTheTokenizerJson(String encoding, String folder, int vocabSize, int eosId) {
    Optional<Path> file = SharedTestData.find("tokenizers/" + folder + "/tokenizer.json");
    assumeTrue(file.isPresent(), "shared/tokenizers not present");
    try (TextTokenizer tiktoken = Tokenizers.load(encoding);
        TextTokenizer huggingFace = Tokenizers.load(file.get().toString())) {
      assertEquals(vocabSize, huggingFace.vocabSize());
      assertEquals(eosId, huggingFace.eosId());
      assertEquals(tiktoken.eosId(), huggingFace.eosId());
      for (String text : texts()) {
        int[] ids = tiktoken.encode(text);
        assertArrayEquals(ids, huggingFace.encode(text), () -> "differs on: " + abbreviated(text));
        assertEquals(text, huggingFace.decode(ids));
      }
    }
  }

  /** The fixed texts, random mixed-script ones, and the first documents of each shared corpus file. */
  private static List<String> texts() {
    List<String> texts = new ArrayList<>(TEXTS);
    for (int seed = 0; seed < 100; seed++) {
      texts.add(RandomText.generate(new Random(seed), 300));
    }
    SharedTestData.find("corpus")
        .ifPresent(
            corpus ->
                DolmaJsonl.files(corpus)
                    .forEach(
                        file ->
                            DolmaJsonl.texts(file).stream()
                                .filter(text -> text.length() <= 20_000)
                                .limit(20)
                                .forEach(texts::add)));
    return texts;
  }

  private static String abbreviated(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}

package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading fails with a message that names the problem. */
class TokenizersLoadTest {
  @TempDir Path directory;

  @Test
  void unknownEncodingName() {
    String message = failure("cl100k");
    assertTrue(message.contains("unknown tokenizer 'cl100k'"), message);
    assertTrue(message.contains("r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base"), message);
  }

  @Test
  void missingFile() {
    Path missing = directory.resolve("nowhere/tokenizer.json");
    String message = failure(missing.toString());
    assertTrue(message.contains("no tokenizer.json file at " + missing), message);
  }

  @Test
  void corruptFile() throws IOException {
    Path file = Files.writeString(directory.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0}");
    String message = failure(file.toString());
    assertTrue(message.contains(file + " is not valid JSON"), message);
  }

  @Test
  void jsonThatIsNoTokenizer() throws IOException {
    Path file = Files.writeString(directory.resolve("tokenizer.json"), "{\"answer\": 42}");
    String message = failure(file.toString());
    assertTrue(message.contains("no model.vocab"), message);
  }

  @Test
  void definitionTheNativeLibraryRejects() throws IOException {
    Path file =
        Files.writeString(
            directory.resolve("tokenizer.json"),
            "{\"added_tokens\": [{\"id\": 1, \"content\": \"</s>\", \"special\": true}],"
                + " \"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
    String message = failure(file.toString());
    assertTrue(message.contains("HuggingFace tokenizers cannot load " + file), message);
  }

  @Test
  void tokenizerWithoutEosUnlessNamed() throws IOException {
    Path file = directory.resolve("tokenizer.json");
    TestModels.withoutMerges("<pad>").writeTokenizerJson(file);

    String message = failure(file.toString());
    assertTrue(message.contains(file + " has none of the usual EOS tokens"), message);
    assertTrue(message.contains("pass the EOS token explicitly"), message);
    try (TextTokenizer tokenizer = Tokenizers.load(file.toString(), "<pad>")) {
      assertEquals(256, tokenizer.eosId());
    }
    try (TextTokenizer tokenizer = Tokenizers.load(file.toString(), "a")) {
      assertEquals('a', tokenizer.eosId(), "a vocabulary entry may serve as EOS too");
    }
    String unknownEos =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(file.toString(), "</s>"))
            .getMessage();
    assertTrue(
        unknownEos.contains("'</s>' is neither an added token nor in the vocabulary of " + file), unknownEos);
  }

  private static String failure(String spec) {
    return assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(spec)).getMessage();
  }
}

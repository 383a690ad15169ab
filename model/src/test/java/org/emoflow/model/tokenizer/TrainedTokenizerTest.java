package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.emoflow.model.io.Checksums;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer trained here, written as tokenizer.json and read back through DJL's native binding. */
class TrainedTokenizerTest {
  private static final int VOCAB_SIZE = 1200;

  @TempDir static Path directory;
  private static BpeModel model;
  private static Path file;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void trainAndLoad() throws IOException {
    model = TestModels.trained(42, VOCAB_SIZE, "<|endoftext|>", "<|pad|>");
    file = directory.resolve("tokenizer.json");
    model.writeTokenizerJson(file);
    tokenizer = Tokenizers.load(file.toString());
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void describesTheFileItLoaded() throws IOException {
    assertEquals("huggingface", tokenizer.backend());
    assertEquals(VOCAB_SIZE, model.vocab().size());
    assertEquals(VOCAB_SIZE, tokenizer.vocabSize());
    assertEquals(VOCAB_SIZE - 2, tokenizer.eosId());
    assertEquals(file.toAbsolutePath().toString(), tokenizer.name());
    assertEquals(Checksums.sha256(Files.readAllBytes(file)), tokenizer.fingerprint());
    assertEquals("<|endoftext|>", tokenizer.decode(new int[] {tokenizer.eosId()}));
  }

  @Test
  void roundTripsRandomMixedScriptTextExactly() {
    for (int seed = 0; seed < 300; seed++) {
      String text = RandomText.generate(new Random(seed), 1 + seed % 200);
      assertEquals(text, tokenizer.decode(tokenizer.encode(text)), "seed " + seed);
    }
  }

  @Test
  void givesTheTokensOfOurOwnPreTokenizationAndMerges() {
    ReferenceBpe reference = new ReferenceBpe(model);
    for (int seed = 1000; seed < 1300; seed++) {
      String text = RandomText.generate(new Random(seed), 1 + seed % 200);
      assertArrayEquals(reference.encode(text), tokenizer.encode(text), "seed " + seed);
    }
  }

  @Test
  void tokenizesSpecialTokenStringsAsText() {
    String text = "a<|endoftext|>b<|pad|>";
    int[] ids = tokenizer.encode(text);

    assertFalse(Arrays.stream(ids).anyMatch(id -> id >= VOCAB_SIZE - 2), Arrays.toString(ids));
    assertArrayEquals(new ReferenceBpe(model).encode(text), ids);
    assertEquals(text, tokenizer.decode(ids));
  }

  @Test
  void decodesSpecialIdsBetweenOrdinaryOnes() {
    int[] hello = tokenizer.encode("hello ");
    int[] ids = new int[hello.length * 2 + 2];
    System.arraycopy(hello, 0, ids, 0, hello.length);
    ids[hello.length] = tokenizer.eosId();
    System.arraycopy(hello, 0, ids, hello.length + 1, hello.length);
    ids[ids.length - 1] = VOCAB_SIZE - 1;

    assertEquals("hello <|endoftext|>hello <|pad|>", tokenizer.decode(ids));
  }

  @Test
  void writesAtomicallyOverAnExistingFile() throws IOException {
    Path target = directory.resolve("overwritten.json");
    Files.writeString(target, "old");
    model.writeTokenizerJson(target);

    assertEquals(Files.readString(file), Files.readString(target));
    try (var left = Files.list(directory)) {
      assertFalse(left.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left");
    }
  }
}

package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JtokkitTokenizerTest {
  /** Ids published by OpenAI (tiktoken README and cookbook) and widely quoted, not taken from jtokkit. */
  @Test
  void givesIndependentlyKnownIds() {
    try (TextTokenizer cl100k = Tokenizers.load("cl100k_base");
        TextTokenizer r50k = Tokenizers.load("r50k_base");
        TextTokenizer o200k = Tokenizers.load("o200k_base")) {
      assertArrayEquals(new int[] {15339, 1917}, cl100k.encode("hello world"));
      assertArrayEquals(new int[] {83, 1609, 5963, 374, 2294, 0}, cl100k.encode("tiktoken is great!"));
      assertArrayEquals(new int[] {31373, 995}, r50k.encode("hello world"));
      assertArrayEquals(new int[] {15496, 995}, r50k.encode("Hello world"));
      assertArrayEquals(new int[] {24912, 2375}, o200k.encode("hello world"));
      assertEquals(100257, cl100k.eosId());
      assertEquals(50256, r50k.eosId());
    }
  }

  /** The table of special ids and id ranges against jtokkit's own decoder. */
  @ParameterizedTest
  @EnumSource(TiktokenEncoding.class)
  void specialIdsAndVocabSizeAgreeWithJtokkit(TiktokenEncoding definition) {
    Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(definition.type);
    definition.specialTokenIds.forEach((token, id) -> assertEquals(token, encoding.decode(ids(id))));
    encoding.decode(ids(definition.vocabSize - 1));
    assertThrows(RuntimeException.class, () -> encoding.decode(ids(definition.vocabSize)));
    try (TextTokenizer tokenizer = Tokenizers.load(definition.encodingName())) {
      assertEquals(definition.vocabSize, tokenizer.vocabSize());
      assertEquals("<|endoftext|>", tokenizer.decode(new int[] {tokenizer.eosId()}));
    }
  }

  @Test
  void coversEveryEncodingJtokkitBundles() {
    for (EncodingType type : EncodingType.values()) {
      assertTrue(TiktokenEncoding.byName(type.getName()).isPresent(), type.getName());
    }
  }

  @Test
  void roundTripsRandomTextAndKeepsSpecialStringsAsText() {
    try (TextTokenizer tokenizer = Tokenizers.load("cl100k_base")) {
      for (int seed = 0; seed < 200; seed++) {
        String text = RandomText.generate(new Random(seed), 1 + seed);
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)), "seed " + seed);
      }
      int[] ids = tokenizer.encode("<|endoftext|>");
      assertFalse(Arrays.stream(ids).anyMatch(id -> id == tokenizer.eosId()), Arrays.toString(ids));
    }
  }

  @Test
  void takesAnotherSpecialTokenAsEosOnRequest() {
    try (TextTokenizer tokenizer = Tokenizers.load("cl100k_base", "<|endofprompt|>")) {
      assertEquals(100276, tokenizer.eosId());
    }
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.load("r50k_base", "</s>"));
    assertTrue(error.getMessage().contains("'</s>' is not a special token of r50k_base"), error.getMessage());
  }

  @Test
  void describesItself() {
    try (TextTokenizer cl100k = Tokenizers.load("cl100k_base");
        TextTokenizer again = Tokenizers.load("cl100k_base");
        TextTokenizer p50k = Tokenizers.load("p50k_base")) {
      assertEquals("cl100k_base", cl100k.name());
      assertEquals("jtokkit", cl100k.backend());
      assertTrue(cl100k.fingerprint().matches("[0-9a-f]{64}"), cl100k.fingerprint());
      assertEquals(cl100k.fingerprint(), again.fingerprint());
      assertNotEquals(cl100k.fingerprint(), p50k.fingerprint());
    }
  }

  private static IntArrayList ids(int... values) {
    IntArrayList list = new IntArrayList();
    Arrays.stream(values).forEach(list::add);
    return list;
  }
}

package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelPreTokenizerTest {
  @Test
  void splitsLikeGpt2() {
    assertEquals(
        List.of("Hello", ",", "Ġworld", "!", "ĠIt", "'s", "Ġ", "Ġ42", "ĊĊ", "ĠÃ©tÃ©", "ĠðŁĺĢ"),
        ByteLevelPreTokenizer.split("Hello, world! It's  42\n\n été 😀"));
  }

  @Test
  void coversTheWholeTextInTheByteLevelAlphabet() {
    String text = "tab\there\u0000\u00A0\u3000end";
    assertEquals(ByteLevelAlphabet.encode(text), String.join("", ByteLevelPreTokenizer.split(text)));
  }

  /**
   * With no merges every token is one byte, and the native library's word ids say which pre-token
   * each byte came from: so the pieces can be compared with HuggingFace's own ByteLevel, exactly.
   */
  @Test
  void matchesHuggingFaceByteLevelPreTokenization(@TempDir Path directory) throws IOException {
    Path file = directory.resolve("bytes-only.json");
    TestModels.withoutMerges("<|endoftext|>").writeTokenizerJson(file);

    try (HuggingFaceTokenizer huggingFace =
        HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false"))) {
      for (int seed = 0; seed < 300; seed++) {
        String text = RandomText.generate(new Random(seed), 1 + seed % 150).replace("<|endoftext|>", "<>");
        assertEquals(
            piecesByWord(huggingFace.encode(text)), ByteLevelPreTokenizer.split(text), "seed " + seed);
      }
    }
  }

  private static List<String> piecesByWord(Encoding encoding) {
    List<String> pieces = new ArrayList<>();
    long word = -1;
    for (int i = 0; i < encoding.getTokens().length; i++) {
      if (encoding.getWordIds()[i] != word) {
        pieces.add("");
        word = encoding.getWordIds()[i];
      }
      pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + encoding.getTokens()[i]);
    }
    return pieces;
  }
}

package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

final class TestModels {
  private TestModels() {}

  /** The 256 byte symbols and the given specials, no merges: every token is one byte. */
  static BpeModel withoutMerges(String... specialTokens) {
    List<String> vocab = new ArrayList<>();
    for (int b = 0; b < 256; b++) {
      vocab.add(String.valueOf(ByteLevelAlphabet.symbol(b)));
    }
    vocab.addAll(List.of(specialTokens));
    return new BpeModel(vocab, List.of(), List.of(specialTokens));
  }

  /** Trained on 2,000 random mixed-script lines of 40 code points. */
  static BpeModel trained(long seed, int vocabSize, String... specialTokens) {
    Random random = new Random(seed);
    Map<String, Long> counts = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      for (String piece : ByteLevelPreTokenizer.split(RandomText.generate(random, 40))) {
        counts.merge(piece, 1L, Long::sum);
      }
    }
    return BpeTrainer.train(counts, vocabSize, List.of(specialTokens));
  }
}

package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** BPE training the slow, obvious way, recounting every pair before each merge; same tie rule. */
final class NaiveBpeTrainer {
  private NaiveBpeTrainer() {}

  static List<String> merges(Map<String, Long> wordCounts, int learnedSymbols) {
    List<String> symbols = new ArrayList<>();
    for (int b = 0; b < 256; b++) {
      symbols.add(String.valueOf(ByteLevelAlphabet.symbol(b)));
    }
    List<List<Integer>> words = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    wordCounts.forEach(
        (word, count) -> {
          List<Integer> bytes = word.chars().map(c -> ByteLevelAlphabet.byteOf((char) c)).boxed().toList();
          words.add(new ArrayList<>(bytes));
          counts.add(count);
        });
    List<String> merges = new ArrayList<>();
    while (symbols.size() < learnedSymbols) {
      Map<Long, Long> pairCounts = new HashMap<>();
      for (int w = 0; w < words.size(); w++) {
        for (int i = 0; i + 1 < words.get(w).size(); i++) {
          long pair = PairStatistics.pair(words.get(w).get(i), words.get(w).get(i + 1));
          pairCounts.merge(pair, counts.get(w), Long::sum);
        }
      }
      if (pairCounts.isEmpty()) {
        break;
      }
      long best =
          pairCounts.keySet().stream()
              .min(Comparator.comparing((Long pair) -> -pairCounts.get(pair)).thenComparing(pair -> pair))
              .orElseThrow();
      String left = symbols.get(PairStatistics.left(best));
      String right = symbols.get(PairStatistics.right(best));
      merges.add(left + " " + right);
      int merged = symbols.indexOf(left + right);
      if (merged < 0) {
        symbols.add(left + right);
        merged = symbols.size() - 1;
      }
      for (List<Integer> word : words) {
        for (int i = 0; i + 1 < word.size(); i++) {
          if (word.get(i) == PairStatistics.left(best) && word.get(i + 1) == PairStatistics.right(best)) {
            word.set(i, merged);
            word.remove(i + 1);
          }
        }
      }
    }
    return merges;
  }
}

package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns byte-level BPE merges from counted pre-tokens (as {@link ByteLevelPreTokenizer} cuts them).
 *
 * <p>Each step merges the most frequent adjacent pair, weighted by word counts, everywhere it occurs,
 * left to right. <b>Ties</b> go to the pair of smaller symbol ids (left id first, then right id); ids
 * are byte values for the 256 base symbols and creation order for merged ones, so the result depends
 * only on the counts. A merge whose string already is a symbol (two splits of one string) reuses that
 * symbol's id, as HuggingFace's trainer does; a merge that would spell a special token is never made,
 * since the special must keep its own id.
 *
 * <p>Cost: pair counts are updated incrementally, touching only the words that hold the merged pair
 * (found through a pair-to-words index), and the next pair comes from a lazily updated priority queue.
 */
public final class BpeTrainer {
  private static final int BYTE_SYMBOLS = 256;

  private final List<String> symbols = new ArrayList<>();
  private final Map<String, Integer> symbolIds = new HashMap<>();
  private final List<String[]> merges = new ArrayList<>();
  private final int[][] words;
  private final int[] wordLengths;
  private final long[] wordCounts;
  private final PairStatistics pairs = new PairStatistics();

  private BpeTrainer(Map<String, Long> counts) {
    for (int b = 0; b < BYTE_SYMBOLS; b++) {
      addSymbol(String.valueOf(ByteLevelAlphabet.symbol(b)));
    }
    words = new int[counts.size()][];
    wordLengths = new int[counts.size()];
    wordCounts = new long[counts.size()];
    int w = 0;
    for (Map.Entry<String, Long> entry : counts.entrySet()) {
      words[w] = byteSymbols(entry.getKey());
      wordLengths[w] = words[w].length;
      wordCounts[w] = entry.getValue();
      if (wordCounts[w] <= 0) {
        throw new IllegalArgumentException("word '" + entry.getKey() + "' has count " + wordCounts[w]);
      }
      for (int i = 0; i + 1 < words[w].length; i++) {
        pairs.add(PairStatistics.pair(words[w][i], words[w][i + 1]), wordCounts[w], w);
      }
      w++;
    }
    pairs.flush();
  }

  /**
   * @param wordCounts byte-level pre-token to its count in the corpus (counts must be positive)
   * @param vocabSize the vocabulary wanted, specials included; fewer result when the words run out of
   *     pairs
   * @param specialTokens added after all merges, in this order; by convention the first is the EOS
   *     token, e.g. {@code <|endoftext|>}
   */
  public static BpeModel train(Map<String, Long> wordCounts, int vocabSize, List<String> specialTokens) {
    Set<String> specials = new HashSet<>(specialTokens);
    if (specials.size() != specialTokens.size() || specials.contains("")) {
      throw new IllegalArgumentException("special tokens must be distinct and non-empty: " + specialTokens);
    }
    if (vocabSize < BYTE_SYMBOLS + specialTokens.size()) {
      throw new IllegalArgumentException(
          "vocabSize " + vocabSize + " leaves no room for the 256 byte symbols and "
              + specialTokens.size() + " special tokens");
    }
    BpeTrainer trainer = new BpeTrainer(wordCounts);
    trainer.mergeUntil(vocabSize - specialTokens.size(), specials);
    List<String> vocab = new ArrayList<>(trainer.symbols);
    vocab.addAll(specialTokens);
    return new BpeModel(vocab, trainer.merges, specialTokens);
  }

  private void mergeUntil(int symbolCount, Set<String> specials) {
    while (symbols.size() < symbolCount) {
      long pair = pairs.mostFrequent();
      if (pair < 0) {
        return;
      }
      String left = symbols.get(PairStatistics.left(pair));
      String right = symbols.get(PairStatistics.right(pair));
      String joined = left + right;
      if (specials.contains(joined)) {
        pairs.forbid(pair);
        continue;
      }
      merges.add(new String[] {left, right});
      int merged = symbolIds.containsKey(joined) ? symbolIds.get(joined) : addSymbol(joined);
      for (int w : pairs.take(pair)) {
        mergeInWord(w, pair, merged);
      }
      pairs.flush();
    }
  }

  /**
   * Rewrites one word in place, recording the pair-count changes. The symbol before a merge site is
   * read from the rewritten prefix, so back-to-back merges ({@code a b a b}) cancel their transient
   * pair correctly.
   */
  private void mergeInWord(int w, long pair, int merged) {
    int left = PairStatistics.left(pair);
    int right = PairStatistics.right(pair);
    int[] word = words[w];
    int length = wordLengths[w];
    long count = wordCounts[w];
    int out = 0;
    for (int i = 0; i < length; ) {
      if (i + 1 < length && word[i] == left && word[i + 1] == right) {
        if (out > 0) {
          pairs.add(PairStatistics.pair(word[out - 1], left), -count, w);
          pairs.add(PairStatistics.pair(word[out - 1], merged), count, w);
        }
        if (i + 2 < length) {
          pairs.add(PairStatistics.pair(right, word[i + 2]), -count, w);
          pairs.add(PairStatistics.pair(merged, word[i + 2]), count, w);
        }
        word[out++] = merged;
        i += 2;
      } else {
        word[out++] = word[i++];
      }
    }
    wordLengths[w] = out;
  }

  private int addSymbol(String symbol) {
    symbolIds.put(symbol, symbols.size());
    symbols.add(symbol);
    return symbols.size() - 1;
  }

  private static int[] byteSymbols(String word) {
    int[] ids = new int[word.length()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ByteLevelAlphabet.byteOf(word.charAt(i));
      if (ids[i] < 0) {
        throw new IllegalArgumentException(
            "word '" + word + "' is not in the byte-level alphabet: count ByteLevelPreTokenizer pieces");
      }
    }
    return ids;
  }
}

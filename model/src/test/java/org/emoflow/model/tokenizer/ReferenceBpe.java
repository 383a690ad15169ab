package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The textbook BPE encoder, for checking the native one: per pre-token, merge the adjacent pair of
 * lowest merge rank (leftmost first) until none is left, then look the symbols up in the vocabulary.
 */
final class ReferenceBpe {
  private final Map<String, Integer> ranks = new HashMap<>();
  private final Map<String, Integer> ids = new HashMap<>();

  ReferenceBpe(BpeModel model) {
    for (int rank = 0; rank < model.merges().size(); rank++) {
      ranks.put(model.merges().get(rank)[0] + " " + model.merges().get(rank)[1], rank);
    }
    for (int id = 0; id < model.vocab().size() - model.specialTokens().size(); id++) {
      ids.put(model.vocab().get(id), id);
    }
  }

  int[] encode(String text) {
    List<Integer> out = new ArrayList<>();
    for (String piece : ByteLevelPreTokenizer.split(text)) {
      for (String symbol : merge(piece)) {
        out.add(ids.get(symbol));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private List<String> merge(String piece) {
    List<String> symbols = new ArrayList<>();
    piece.chars().forEach(c -> symbols.add(String.valueOf((char) c)));
    while (true) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        int rank = ranks.getOrDefault(symbols.get(i) + " " + symbols.get(i + 1), Integer.MAX_VALUE);
        if (rank < bestRank) {
          best = i;
          bestRank = rank;
        }
      }
      if (best < 0) {
        return symbols;
      }
      symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
    }
  }
}

package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {
  private static final List<String> EOS = List.of("<|endoftext|>");

  /** Sennrich et al.'s example, without end-of-word markers. */
  private static final Map<String, Long> LOW_LOWER_NEWEST_WIDEST =
      Map.of("low", 5L, "lower", 2L, "newest", 6L, "widest", 3L);

  /**
   * Worked by hand. First counts: es 9, st 9, we 8, lo 7, ow 7, ne 6, ew 6, wi 3, id 3, de 3, er 2.
   * es/st tie: e (101) is the smaller left id. Then est 9; lo/ow tie at 7: l < o; low 7; then at 6
   * ne, ew and "w est": e < n < w; new+est 6; at 3 "d est", "i dest", "w idest"; at 2 er, then low+er.
   */
  private static final List<String> HAND_COMPUTED_MERGES =
      List.of(
          "e s", "es t", "l o", "lo w", "e w", "n ew", "new est", "d est", "i dest", "w idest", "e r",
          "low er");

  @Test
  void learnsTheHandComputedMergesInOrder() {
    BpeModel model = BpeTrainer.train(LOW_LOWER_NEWEST_WIDEST, 1000, EOS);

    assertEquals(HAND_COMPUTED_MERGES, mergeLines(model));
    assertEquals(256 + HAND_COMPUTED_MERGES.size() + 1, model.vocab().size(), "stops when no pair is left");
    assertEquals("es", model.vocab().get(256));
    assertEquals("lower", model.vocab().get(256 + 11));
    assertEquals("<|endoftext|>", model.vocab().get(model.vocab().size() - 1));
  }

  @Test
  void stopsAtTheRequestedVocabSizeWithSpecialsLast() {
    BpeModel model =
        BpeTrainer.train(LOW_LOWER_NEWEST_WIDEST, 256 + 4 + 2, List.of("<|endoftext|>", "<pad>"));

    assertEquals(HAND_COMPUTED_MERGES.subList(0, 4), mergeLines(model));
    assertEquals(
        List.of("es", "est", "lo", "low", "<|endoftext|>", "<pad>"), model.vocab().subList(256, 262));
  }

  @Test
  void byteSymbolsComeFirstInByteOrder() {
    List<String> vocab = BpeTrainer.train(Map.of("ab", 1L), 300, EOS).vocab();

    assertEquals("Ā", vocab.get(0), "byte 0 is the first shifted symbol");
    assertEquals("Ġ", vocab.get(' '));
    assertEquals("a", vocab.get('a'));
    assertEquals("ÿ", vocab.get(255));
  }

  @Test
  void resultDoesNotDependOnTheMapOrder() {
    Random random = new Random(7);
    Map<String, Long> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      for (String piece : ByteLevelPreTokenizer.split(RandomText.generate(random, 12))) {
        counts.merge(piece, 1L + random.nextInt(5), Long::sum);
      }
    }
    List<String> words = new ArrayList<>(counts.keySet());
    Collections.shuffle(words, random);
    Map<String, Long> shuffled = new LinkedHashMap<>();
    words.forEach(w -> shuffled.put(w, counts.get(w)));

    BpeModel first = BpeTrainer.train(counts, 2000, EOS);
    BpeModel second = BpeTrainer.train(shuffled, 2000, EOS);

    assertEquals(mergeLines(first), mergeLines(second));
    assertEquals(first.vocab(), second.vocab());
    assertEquals(2000, first.vocab().size());
  }

  /** Small alphabets and repeats ("aaaa", "abab") make many ties and overlapping pairs. */
  @Test
  void agreesWithRecountingEveryPairBeforeEachMerge() {
    for (int seed = 0; seed < 20; seed++) {
      Random random = new Random(seed);
      Map<String, Long> counts = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        StringBuilder word = new StringBuilder();
        for (int length = 1 + random.nextInt(12); word.length() < length; ) {
          word.append("aabcĠ".charAt(random.nextInt(seed % 2 == 0 ? 3 : 5)));
        }
        counts.merge(word.toString(), 1L + random.nextInt(4), Long::sum);
      }
      BpeModel model = BpeTrainer.train(counts, 256 + 200 + 1, EOS);

      assertEquals(NaiveBpeTrainer.merges(counts, 256 + 200), mergeLines(model), "seed " + seed);
    }
  }

  @Test
  void neverLearnsASymbolThatSpellsASpecialToken() {
    BpeModel model = BpeTrainer.train(Map.of("<||>", 10L), 1000, List.of("<||>"));

    // "< |" wins the three-way tie at 10 (smallest left id), then "| >" beats "<| |"; "<| |>" would
    // spell the special.
    assertEquals(List.of("< |", "| >"), mergeLines(model));
    assertFalse(model.vocab().subList(0, model.vocab().size() - 1).contains("<||>"));
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(Map.of("a", 1L), 256, EOS));
    assertThrows(
        IllegalArgumentException.class, () -> BpeTrainer.train(Map.of("a", 1L), 300, List.of("<s>", "<s>")));
    assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(Map.of("a", 0L), 300, EOS));
    IllegalArgumentException notByteLevel =
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(Map.of("a b", 1L), 300, EOS));
    assertTrue(notByteLevel.getMessage().contains("byte-level"), notByteLevel.getMessage());
  }

  private static List<String> mergeLines(BpeModel model) {
    return model.merges().stream().map(m -> m[0] + " " + m[1]).toList();
  }
}

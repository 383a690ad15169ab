package org.emoflow.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The exact-match normaliser on hand-checked cases. */
class ExactMatchTest {
  @Test
  void aNumericReferenceIsComparedByTheLastNumberGsm8kStyle() {
    assertTrue(ExactMatch.matches("The answer is 1,234.", "1234"));
    assertTrue(ExactMatch.matches("She has 3 boxes of 24, so 72 in all", "48 / 2 = 24 and 24 + 48 = 72\n#### 72"));
    assertTrue(ExactMatch.matches("$72.00", "72"));
    assertTrue(ExactMatch.matches("it fell to -3 degrees", "-3"));
    assertFalse(ExactMatch.matches("it fell 3 degrees", "-3"));
    assertFalse(ExactMatch.matches("7 or maybe 8", "7"), "the last number counts");
    assertFalse(ExactMatch.matches("seventy-two", "72"), "no number in the generated text");
  }

  @Test
  void theLastNumberDropsCommasAndAFinalFullStop() {
    assertEquals(0, new BigDecimal("1234567.89").compareTo(ExactMatch.lastNumber("$1,234,567.89 in total")));
    assertEquals(0, new BigDecimal("1234").compareTo(ExactMatch.lastNumber("so 12 then 1234.")));
    assertEquals(0, new BigDecimal("4").compareTo(ExactMatch.lastNumber("3, 4")));
    assertNull(ExactMatch.lastNumber("no digits here"));
  }

  @Test
  void otherReferencesAreComparedAsNormalisedText() {
    assertTrue(ExactMatch.matches("  Paris!  ", "paris"));
    assertTrue(ExactMatch.matches("The  capital,\n is Paris.", "the capital is paris"));
    assertFalse(ExactMatch.matches("Paris, France", "Paris"));
    assertEquals("its a dogs life", ExactMatch.normalise(" It's a\tdog's   life! "));
  }

  @Test
  void theGenerationIsScoredUpToItsStopString() {
    assertEquals(" 72", ExactMatch.beforeStop(" 72\n\nQuestion: how many?", "\n\n"));
    assertEquals("no stop", ExactMatch.beforeStop("no stop", "\n\n"));
    assertEquals("a\n\nb", ExactMatch.beforeStop("a\n\nb", ""));
    assertTrue(ExactMatch.matches(ExactMatch.beforeStop(" 72\n\nQ: 5 + 3 = 8", "\n\n"), "#### 72"));
  }
}

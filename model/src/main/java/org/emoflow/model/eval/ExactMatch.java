package org.emoflow.model.eval;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exact match of a generated answer against the reference, after normalising both.
 *
 * <ul>
 *   <li>A reference that holds a number is compared GSM8K-style: the last number of the generated text
 *       must equal the reference's last number, numerically ("1,234", "1234" and "1234.00" are equal;
 *       commas inside a number are dropped, a full stop after it is not part of it, a leading minus is).
 *   <li>Any other reference is compared as text: lower case, punctuation removed, runs of whitespace
 *       collapsed to one space, trimmed.
 * </ul>
 *
 * The generated text is cut at the task's stop string first ({@link #beforeStop}).
 */
public final class ExactMatch {
  private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?");
  private static final Pattern PUNCTUATION = Pattern.compile("\\p{P}+");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private ExactMatch() {}

  public static boolean matches(String generated, String reference) {
    BigDecimal expected = lastNumber(reference);
    if (expected != null) {
      BigDecimal found = lastNumber(generated);
      return found != null && found.compareTo(expected) == 0;
    }
    return normalise(generated).equals(normalise(reference));
  }

  /** The last number in the text, or null when it has none. */
  public static BigDecimal lastNumber(String text) {
    Matcher matcher = NUMBER.matcher(text);
    String last = null;
    while (matcher.find()) {
      last = matcher.group();
    }
    return last == null ? null : new BigDecimal(last.replace(",", ""));
  }

  public static String normalise(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    return WHITESPACE.matcher(PUNCTUATION.matcher(lower).replaceAll("")).replaceAll(" ").strip();
  }

  /** The text before the first occurrence of {@code stop}; all of it when stop is empty or absent. */
  public static String beforeStop(String text, String stop) {
    int at = stop.isEmpty() ? -1 : text.indexOf(stop);
    return at < 0 ? text : text.substring(0, at);
  }
}

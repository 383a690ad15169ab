package org.emoflow.pipelines.cli;

import java.util.Locale;

/** What a scalar option or config value must look like, checked and worded the same for flags and YAML. */
public final class ValueTypes {
  private ValueTypes() {}

  /** "an integer", "a number", ...; null for types without a scalar form to check (strings, lists). */
  public static String describe(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    return null;
  }

  /** Whether the text parses as the type; types {@link #describe} does not know accept anything. */
  public static boolean accepts(Class<?> type, String text) {
    String value = text.strip();
    try {
      if (type == int.class || type == Integer.class) {
        Integer.parseInt(value);
      } else if (type == long.class || type == Long.class) {
        Long.parseLong(value);
      } else if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
        Double.parseDouble(value);
      } else if (type == boolean.class || type == Boolean.class) {
        String lower = value.toLowerCase(Locale.ROOT);
        return lower.equals("true") || lower.equals("false");
      }
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}

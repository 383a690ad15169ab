package org.emoflow.pipelines.cli;

/** Users may write options kebab-case (--seq-len) or Beam's camelCase (--seqLen); Beam wants the latter. */
public final class OptionNames {
  private OptionNames() {}

  public static String toCamel(String name) {
    StringBuilder out = new StringBuilder(name.length());
    boolean upperNext = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        upperNext = true;
      } else {
        out.append(upperNext ? Character.toUpperCase(c) : c);
        upperNext = false;
      }
    }
    return out.toString();
  }

  public static String toKebab(String name) {
    StringBuilder out = new StringBuilder(name.length() + 4);
    for (char c : name.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The property a Beam getter defines: getSeqLen -> seqLen, isVerbose -> verbose; null for non-getters. */
  public static String propertyOf(java.lang.reflect.Method method) {
    String name = method.getName();
    if (method.getParameterCount() != 0) {
      return null;
    }
    if (name.startsWith("get") && name.length() > 3) {
      return Character.toLowerCase(name.charAt(3)) + name.substring(4);
    }
    if (name.startsWith("is") && name.length() > 2) {
      return Character.toLowerCase(name.charAt(2)) + name.substring(3);
    }
    return null;
  }
}

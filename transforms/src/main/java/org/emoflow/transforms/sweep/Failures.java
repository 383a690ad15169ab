package org.emoflow.transforms.sweep;

/** How a failed cell's error column reads: the exception and, when it differs, its innermost cause. */
final class Failures {
  private Failures() {}

  static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String outer = error.getClass().getSimpleName() + ": " + error.getMessage();
    return root == error || outer.contains(String.valueOf(root.getMessage()))
        ? outer
        : outer + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }
}

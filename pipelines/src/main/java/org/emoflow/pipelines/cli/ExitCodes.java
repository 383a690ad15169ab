package org.emoflow.pipelines.cli;

/** What {@code ./emoflow} exits with; schedulers tell a bad option (fix the call) from a failure (retry). */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_OPTION = 2;

  private ExitCodes() {}
}

package org.emoflow.pipelines.cli;

/**
 * The class {@code ./emoflow} runs, for commands that start child JVMs of their own (training stages, memory
 * measurements). Named, not referenced, so that commands do not depend on the class that lists them.
 */
public final class EntryPoint {
  public static final String MAIN_CLASS = "org.emoflow.pipelines.Main";

  private EntryPoint() {}
}

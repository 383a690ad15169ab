package org.emoflow.pipelines.cli;

/** A command-line option that is unknown, malformed or out of range; raised before any work starts. */
public final class InvalidOptionException extends RuntimeException {
  public InvalidOptionException(String message) {
    super(message);
  }

  /** Names the option the way users type it. */
  public static InvalidOptionException of(String property, String problem) {
    return new InvalidOptionException("--" + OptionNames.toKebab(property) + ": " + problem);
  }
}

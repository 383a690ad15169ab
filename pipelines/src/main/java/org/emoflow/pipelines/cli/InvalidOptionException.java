package org.emoflow.pipelines.cli;

/** A command-line option that is unknown, malformed or out of range; raised before any work starts. */
public final class InvalidOptionException extends RuntimeException {
  private final String property;
  private final String problem;

  public InvalidOptionException(String message) {
    this(message, null, message);
  }

  private InvalidOptionException(String message, String property, String problem) {
    super(message);
    this.property = property;
    this.problem = problem;
  }

  /** Names the option the way users type it. */
  public static InvalidOptionException of(String property, String problem) {
    return new InvalidOptionException("--" + OptionNames.toKebab(property) + ": " + problem, property, problem);
  }

  /** The option's property (camelCase) where one option is at fault, else null. */
  public String property() {
    return property;
  }

  /** What is wrong, without the option's name. */
  public String problem() {
    return problem;
  }
}

package org.emoflow.pipelines.cli;

import org.apache.beam.sdk.options.PipelineOptions;

/**
 * One {@code ./emoflow <name>} command. Options are a Beam options interface, so runner options pass
 * through and every command parses, validates and documents its options the same way.
 */
public interface Command<O extends PipelineOptions> {
  String name();

  /** One line for the command list. */
  String summary();

  Class<O> optionsClass();

  /** The option that one argument given without a --name fills (query's SQL), or null if there is none. */
  default String positionalOption() {
    return null;
  }

  /** Cross-field and range checks; throw {@link InvalidOptionException} naming the option. No work here. */
  default void validate(O options) {}

  /** Does the work; returns the process exit status. */
  int run(O options) throws Exception;
}

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

  /** Cross-field and range checks; throw {@link InvalidOptionException} naming the option. No work here. */
  default void validate(O options) {}

  /** Does the work; returns the process exit status. */
  int run(O options) throws Exception;
}

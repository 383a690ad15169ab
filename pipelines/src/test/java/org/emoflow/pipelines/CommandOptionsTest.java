package org.emoflow.pipelines;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.emoflow.pipelines.cli.Command;
import org.junit.jupiter.api.Test;

/**
 * Beam checks every registered options interface against all the others: a property declared by two
 * commands must have the same type and the same default (or none) in both. The benchmarks run other
 * commands in their own JVM, so any two commands can end up registered together.
 */
class CommandOptionsTest {
  @Test
  void everyCommandsOptionsRegisterTogether() {
    for (Command<?> command : Main.commands()) {
      assertDoesNotThrow(() -> PipelineOptionsFactory.register(command.optionsClass()), command.name());
    }
  }
}

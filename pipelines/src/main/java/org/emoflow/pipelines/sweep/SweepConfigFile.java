package org.emoflow.pipelines.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.pipelines.cli.InvalidOptionException;

/** The sweep config being checked: refusals that name its file and key, and the warnings gathered on the way. */
final class SweepConfigFile {
  private final Path file;
  private final List<String> warnings = new ArrayList<>();

  SweepConfigFile(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  InvalidOptionException refuse(String key, String problem) {
    return new InvalidOptionException(file + ": " + key + ": " + problem);
  }

  void warn(String warning) {
    warnings.add(warning);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}

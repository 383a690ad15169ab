package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Expands input globs in the driver, so a pattern that matches nothing is refused before any work. */
public final class Inputs {
  private Inputs() {}

  public static List<String> expand(String option, List<String> patterns) {
    if (patterns == null || patterns.isEmpty()) {
      throw InvalidOptionException.of(option, "no input given");
    }
    List<String> files = new ArrayList<>();
    for (String pattern : patterns) {
      List<MatchResult.Metadata> matches;
      try {
        matches = FileSystems.match(pattern).metadata();
      } catch (IOException | IllegalArgumentException e) {
        throw InvalidOptionException.of(option, "'" + pattern + "' matches no files (" + e.getMessage() + ")");
      }
      if (matches.isEmpty()) {
        throw InvalidOptionException.of(option, "'" + pattern + "' matches no files");
      }
      matches.stream().map(m -> m.resourceId().toString()).sorted().forEach(files::add);
    }
    return files.stream().distinct().toList();
  }
}

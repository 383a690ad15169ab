package org.emoflow.model.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The project's optional shared data ({@code ../shared} of a checkout: real tokenizer files, a corpus).
 * Tests make their own data; only their extra checks against real files use this, when it is there.
 */
final class SharedTestData {
  private SharedTestData() {}

  static Optional<Path> find(String relativePath) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve(relativePath);
      if (Files.exists(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}

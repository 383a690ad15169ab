package org.emoflow.pipelines.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.io.AtomicFiles;

/** A fresh directory for what a benchmark writes while it measures; removed with all it holds when closed. */
final class WorkDirectory implements AutoCloseable {
  private final Path path;

  private WorkDirectory(Path path) {
    this.path = path;
  }

  /** @param parent where to create it; null for the system's temporary directory */
  static WorkDirectory create(String parent, String prefix) throws IOException {
    Path base = Path.of(parent == null ? System.getProperty("java.io.tmpdir") : parent);
    Files.createDirectories(base);
    return new WorkDirectory(Files.createTempDirectory(base, prefix));
  }

  Path resolve(String name) {
    return path.resolve(name);
  }

  @Override
  public void close() throws IOException {
    AtomicFiles.deleteRecursively(path);
  }
}

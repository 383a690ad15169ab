package org.emoflow.model.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A Parquet output file at a local path. */
public final class LocalOutputFile extends StreamOutputFile {
  private final Path path;

  public LocalOutputFile(Path path) {
    this.path = path;
  }

  @Override
  protected OutputStream open(boolean overwrite) throws IOException {
    return overwrite
        ? Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)
        : Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }
}

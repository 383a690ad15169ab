package org.emoflow.model.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Writes that are all or nothing: content goes to a hidden temporary beside the target and is renamed
 * into place, so a crash mid-write never leaves a file that looks whole. Temporaries start with '_' so
 * Hive-style readers (Spark, Trino, DuckDB globs on *.parquet) skip them.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public interface Writer {
    void write(Path temporary) throws IOException;
  }

  public static void write(Path target, Writer writer) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temporary = parent.resolve("_tmp." + target.getFileName() + "." + UUID.randomUUID());
    try {
      writer.write(temporary);
      move(temporary, target);
    } finally {
      deleteRecursively(temporary);
    }
  }

  public static void writeString(Path target, String content) throws IOException {
    write(target, temporary -> Files.writeString(temporary, content, StandardCharsets.UTF_8));
  }

  /**
   * Renames source over target. A directory cannot be renamed over a non-empty one (a checkpoint that
   * failed its checksums and is being rewritten), so that one is first moved aside: at every moment the
   * name holds the old content or the complete new one, never a mixture.
   */
  public static void move(Path source, Path target) throws IOException {
    Path stale = null;
    if (Files.isDirectory(target)) {
      stale = target.resolveSibling("_stale." + target.getFileName() + "." + UUID.randomUUID());
      rename(target, stale);
    }
    rename(source, target);
    if (stale != null) {
      deleteRecursively(stale);
    }
  }

  private static void rename(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

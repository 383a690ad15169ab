package org.emoflow.pipelines.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.emoflow.model.io.Checksums;

/** Builds real archives, in the layouts the registries serve, for tests that must not go online. */
final class TestArchives {

  private TestArchives() {}

  /** An npm-style .tgz; entries are written in the map's iteration order. */
  static Path tgz(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(raw))) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        TarArchiveEntry header = new TarArchiveEntry(entry.getKey());
        header.setSize(entry.getValue().length);
        tar.putArchiveEntry(header);
        tar.write(entry.getValue());
        tar.closeArchiveEntry();
      }
    }
    return file;
  }

  /** A Maven-style -sources.jar; entries are written in the map's iteration order. */
  static Path jar(Path file, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    }
    return file;
  }

  /** Pins a local archive under its real checksum, downloaded through a {@code file:} URL. */
  static PinnedArtifact pinned(String name, Path archive, String archiveRoot) throws IOException {
    return new PinnedArtifact(
        name, "1.0.0", archive.toUri(), Checksums.sha256(archive), "test-only", archiveRoot);
  }
}

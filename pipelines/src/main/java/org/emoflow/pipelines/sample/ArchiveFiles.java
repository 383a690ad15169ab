package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Reads selected files out of the two archive kinds the registries serve: .jar/.zip and .tgz. */
final class ArchiveFiles {

  /** A file read from an archive; {@code path} is relative to the root it was read under. */
  record ArchiveFile(String path, byte[] content) {}

  private ArchiveFiles() {}

  /** The files under {@code root} whose relative path matches {@code files}, in archive order. */
  static List<ArchiveFile> read(Path archive, String root, Pattern files) throws IOException {
    List<ArchiveFile> matching = new ArrayList<>();
    try (ArchiveInputStream<?> in = open(archive)) {
      for (ArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        String name = entry.getName();
        if (entry.isDirectory() || !name.startsWith(root)) {
          continue;
        }
        String path = name.substring(root.length());
        if (files.matcher(path).matches()) {
          matching.add(new ArchiveFile(path, in.readAllBytes()));
        }
      }
    }
    return matching;
  }

  private static ArchiveInputStream<?> open(Path archive) throws IOException {
    String fileName = archive.getFileName().toString();
    boolean tarGz = fileName.endsWith(".tgz") || fileName.endsWith(".tar.gz");
    boolean zip = fileName.endsWith(".jar") || fileName.endsWith(".zip");
    if (!tarGz && !zip) {
      throw new IOException("Not a .jar, .zip, .tgz or .tar.gz archive: " + archive);
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(archive));
    try {
      return tarGz
          ? new TarArchiveInputStream(new GzipCompressorInputStream(in))
          : new ZipArchiveInputStream(in, UTF_8.name(), true, true);
    } catch (IOException notGzip) {
      in.close();
      throw notGzip;
    }
  }
}

package org.emoflow.pipelines.sample;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.io.Checksums;

/**
 * Keeps downloaded artifacts on disk and never hands out one whose checksum differs from its pin.
 * Files are named by checksum, so a new pin never reuses an old download.
 */
final class ArtifactCache {

  private static final System.Logger LOG = System.getLogger(ArtifactCache.class.getName());
  private static final int CONNECT_TIMEOUT_MILLIS = 30_000;
  // Longest silence tolerated between two reads, not a limit on the whole download.
  private static final int READ_TIMEOUT_MILLIS = 60_000;

  private final Path directory;

  ArtifactCache(Path directory) {
    this.directory = directory;
  }

  /** Returns a verified local copy of {@code artifact}, downloading it only when none is cached. */
  Path fetch(PinnedArtifact artifact) throws IOException {
    Path cached = directory.resolve(artifact.sha256() + "-" + artifact.fileName());
    if (Files.isRegularFile(cached)) {
      if (Checksums.sha256(cached).equals(artifact.sha256())) {
        return cached;
      }
      LOG.log(System.Logger.Level.WARNING, "Cached {0} is corrupt; downloading it again", cached);
      Files.delete(cached);
    }
    Files.createDirectories(directory);
    download(artifact, cached);
    return cached;
  }

  private void download(PinnedArtifact artifact, Path target) throws IOException {
    LOG.log(
        System.Logger.Level.INFO,
        "Downloading {0} from {1}",
        artifact.coordinate(),
        artifact.url());
    // A partial file in the same directory, so that the final rename is atomic and an
    // interrupted download never looks like a cached one.
    Path partial = Files.createTempFile(directory, target.getFileName().toString(), ".part");
    try {
      String actual;
      try (InputStream in = open(artifact);
          OutputStream out = Files.newOutputStream(partial)) {
        actual = Checksums.copy(in, out);
      } catch (IOException e) {
        throw new IOException(
            "Cannot download %s from %s (is the registry reachable?): %s"
                .formatted(artifact.coordinate(), artifact.url(), e),
            e);
      }
      if (!actual.equals(artifact.sha256())) {
        throw new IOException(
            ("Checksum mismatch for %s downloaded from %s: expected SHA-256 %s, got %s;"
                    + " the download was deleted")
                .formatted(artifact.coordinate(), artifact.url(), artifact.sha256(), actual));
      }
      Files.move(partial, target, ATOMIC_MOVE, REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private static InputStream open(PinnedArtifact artifact) throws IOException {
    URLConnection connection = artifact.url().toURL().openConnection();
    connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
    connection.setReadTimeout(READ_TIMEOUT_MILLIS);
    connection.setRequestProperty("User-Agent", "emoflow-sample-corpus");
    if (connection instanceof HttpURLConnection http
        && http.getResponseCode() != HttpURLConnection.HTTP_OK) {
      throw new IOException("HTTP " + http.getResponseCode() + " " + http.getResponseMessage());
    }
    return connection.getInputStream();
  }
}

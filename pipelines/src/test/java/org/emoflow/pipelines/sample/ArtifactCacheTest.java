package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.emoflow.model.io.Checksums;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactCacheTest {

  @TempDir Path temp;

  private Path registryFile() throws IOException {
    Files.createDirectories(temp.resolve("registry"));
    return TestArchives.tgz(
        temp.resolve("registry/demo-1.0.0.tgz"),
        Map.of("package/a.txt", "alpha".getBytes(UTF_8)));
  }

  private static long fileCount(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.count();
    }
  }

  @Test
  void checksumMismatchIsRefusedNamingTheArtifactAndTheDownloadIsDeleted() throws IOException {
    Path archive = registryFile();
    String actual = Checksums.sha256(archive);
    String pinned = Checksums.sha256("some other release".getBytes(UTF_8));
    PinnedArtifact artifact =
        new PinnedArtifact("npm:demo", "1.0.0", archive.toUri(), pinned, "MIT", "package/");
    Path cacheDir = temp.resolve("cache");

    IOException error =
        assertThrows(IOException.class, () -> new ArtifactCache(cacheDir).fetch(artifact));

    assertThat(
        error.getMessage(),
        allOf(
            containsString("npm:demo@1.0.0"),
            containsString(archive.toUri().toString()),
            containsString("expected SHA-256 " + pinned),
            containsString("got " + actual)));
    assertEquals(0, fileCount(cacheDir), "neither the bad download nor its partial file is kept");
  }

  @Test
  void cachedCopyIsUsedOnceTheSourceIsGone() throws IOException {
    Path archive = registryFile();
    byte[] original = Files.readAllBytes(archive);
    PinnedArtifact artifact = TestArchives.pinned("npm:demo", archive, "package/");
    ArtifactCache cache = new ArtifactCache(temp.resolve("cache"));

    Path first = cache.fetch(artifact);
    Files.delete(archive);
    Path second = cache.fetch(artifact);

    assertEquals(first, second);
    assertArrayEquals(original, Files.readAllBytes(second));
  }

  @Test
  void corruptCachedCopyIsVerifiedAndDownloadedAgain() throws IOException {
    Path archive = registryFile();
    PinnedArtifact artifact = TestArchives.pinned("npm:demo", archive, "package/");
    ArtifactCache cache = new ArtifactCache(temp.resolve("cache"));
    Path cached = cache.fetch(artifact);

    Files.write(cached, "truncated".getBytes(UTF_8));

    assertArrayEquals(Files.readAllBytes(archive), Files.readAllBytes(cache.fetch(artifact)));
  }

  @Test
  void unreachableRegistryIsReportedWithTheUrl() throws IOException {
    // Port 1 on the loopback address: nothing listens there, so the connection is refused at once.
    URI url = URI.create("http://127.0.0.1:1/demo/-/demo-1.0.0.tgz");
    PinnedArtifact artifact =
        new PinnedArtifact("npm:demo", "1.0.0", url, Checksums.sha256(new byte[0]), "MIT", "package/");
    Path cacheDir = temp.resolve("cache");

    IOException error =
        assertThrows(IOException.class, () -> new ArtifactCache(cacheDir).fetch(artifact));

    assertThat(
        error.getMessage(),
        allOf(containsString("Cannot download npm:demo@1.0.0"), containsString(url.toString())));
    assertEquals(0, fileCount(cacheDir), "no partial file is left behind");
  }
}

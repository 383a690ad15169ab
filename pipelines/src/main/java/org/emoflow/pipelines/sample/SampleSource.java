package org.emoflow.pipelines.sample;

import java.util.regex.Pattern;

/**
 * Which files of a pinned artifact become documents of a domain, and how.
 *
 * @param domain the output file's name and every document's {@code source}
 * @param files matched against whole paths relative to the artifact's archive root
 */
record SampleSource(
    String domain, PinnedArtifact artifact, Pattern files, TextConverter converter) {

  private static final Pattern DOMAIN_NAME = Pattern.compile("[a-z][a-z0-9_]*");

  SampleSource {
    if (!DOMAIN_NAME.matcher(domain).matches()) {
      throw new IllegalArgumentException(
          "Domain of " + artifact.coordinate() + " must match " + DOMAIN_NAME + ": " + domain);
    }
  }

  SampleSource(String domain, PinnedArtifact artifact, String filesRegex, TextConverter converter) {
    this(domain, artifact, Pattern.compile(filesRegex), converter);
  }
}

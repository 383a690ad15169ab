package org.emoflow.pipelines.sample;

import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toList;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a small, real, multi-domain corpus from archives pinned in {@link SampleSources}: each
 * domain becomes {@code <domain>.jsonl.gz} in Dolma format, with at most a given number of UTF-8
 * text bytes, chosen the same way on every run.
 */
public final class SampleCorpus {

  /** {@code $EMOFLOW_CACHE} when set, else {@code ~/.cache/emoflow}. */
  public static final Path DEFAULT_CACHE_DIR = defaultCacheDir(System.getenv("EMOFLOW_CACHE"));

  /** Small enough that the end-to-end demo trains on the whole corpus on a CPU in minutes. */
  public static final long DEFAULT_MAX_BYTES_PER_DOMAIN = 400_000;

  /** Downloads land in this folder of the cache directory, which other features may share. */
  static final String CACHE_SUBDIRECTORY = "sample-corpus";

  /** What {@link #write} produced. */
  public record Summary(Path outputDir, List<DomainSummary> domains) {}

  /**
   * One output file.
   *
   * @param textBytes UTF-8 bytes of all document texts, at most the per-domain cap
   * @param sources coordinates of the artifacts the domain was read from, e.g. {@code
   *     npm:lodash@4.17.21}
   * @param skippedFiles matching files that gave no document: binary, not valid UTF-8, blank, not
   *     plain-text mail, or an exact duplicate of another document
   */
  public record DomainSummary(
      String domain, int documents, long textBytes, List<String> sources, int skippedFiles) {}

  private SampleCorpus() {}

  /**
   * Downloads (or reuses cached) pinned artifacts, writes {@code outputDir/<domain>.jsonl.gz}, and
   * returns a summary.
   *
   * @param cacheDir downloads are kept in its {@value #CACHE_SUBDIRECTORY} folder
   * @param maxBytesPerDomain cap on the UTF-8 bytes of the texts of each domain
   * @throws IOException when an artifact cannot be downloaded or fails its checksum, naming it
   */
  public static Summary write(Path outputDir, Path cacheDir, long maxBytesPerDomain)
      throws IOException {
    return write(outputDir, cacheDir, maxBytesPerDomain, SampleSources.ALL);
  }

  /** As {@link #write(Path, Path, long)}, from the given table instead of {@link SampleSources}. */
  static Summary write(
      Path outputDir, Path cacheDir, long maxBytesPerDomain, List<SampleSource> sources)
      throws IOException {
    if (maxBytesPerDomain <= 0) {
      throw new IllegalArgumentException(
          "maxBytesPerDomain must be positive: " + maxBytesPerDomain);
    }
    // Every download is done and verified before any output is written, so that a registry
    // failure leaves no half-made corpus behind.
    ArtifactCache cache = new ArtifactCache(cacheDir.resolve(CACHE_SUBDIRECTORY));
    Map<PinnedArtifact, Path> archives = new HashMap<>();
    List<PinnedArtifact> artifacts =
        sources.stream().map(SampleSource::artifact).distinct().toList();
    for (PinnedArtifact artifact : artifacts) {
      archives.put(artifact, cache.fetch(artifact));
    }

    Files.createDirectories(outputDir);
    Map<String, List<SampleSource>> sourcesByDomain =
        sources.stream().collect(groupingBy(SampleSource::domain, LinkedHashMap::new, toList()));
    List<DomainSummary> domains = new ArrayList<>();
    for (Map.Entry<String, List<SampleSource>> domain : sourcesByDomain.entrySet()) {
      domains.add(
          writeDomain(domain.getKey(), domain.getValue(), archives, outputDir, maxBytesPerDomain));
    }
    return new Summary(outputDir, List.copyOf(domains));
  }

  private static DomainSummary writeDomain(
      String domain,
      List<SampleSource> sources,
      Map<PinnedArtifact, Path> archives,
      Path outputDir,
      long maxBytes)
      throws IOException {
    List<SampleDocument> candidates = new ArrayList<>();
    int rejectedFiles = 0;
    for (SampleSource source : sources) {
      SourceDocuments.Extraction extraction =
          SourceDocuments.extract(source, archives.get(source.artifact()));
      candidates.addAll(extraction.documents());
      rejectedFiles += extraction.rejectedFiles();
    }
    DomainSample.Selection selection = DomainSample.select(candidates, maxBytes);
    DolmaJsonl.write(outputDir.resolve(domain + ".jsonl.gz"), domain, selection.documents());
    return new DomainSummary(
        domain,
        selection.documents().size(),
        selection.textBytes(),
        sources.stream().map(source -> source.artifact().coordinate()).toList(),
        rejectedFiles + selection.duplicates());
  }

  static Path defaultCacheDir(String emoflowCacheVariable) {
    return emoflowCacheVariable == null || emoflowCacheVariable.isBlank()
        ? Path.of(System.getProperty("user.home"), ".cache", "emoflow")
        : Path.of(emoflowCacheVariable);
  }
}

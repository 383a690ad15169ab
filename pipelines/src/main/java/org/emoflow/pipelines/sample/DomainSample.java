package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.emoflow.model.io.Checksums;

/** Picks a deterministic subset of a domain's documents that fits its byte budget. */
final class DomainSample {

  /** @param duplicates documents left out because an earlier one had the same text */
  record Selection(List<SampleDocument> documents, long textBytes, int duplicates) {}

  private record Ranked(String rank, SampleDocument document) {}

  private DomainSample() {}

  /**
   * Walks the documents in order of the SHA-256 of their origin and keeps each one that still fits
   * in {@code maxTextBytes}. Ranking by a hash rather than the path spreads a small budget over the
   * whole source (every era of the speeches, every package of the code) instead of its alphabetical
   * head, and it depends only on the origins, so every run picks the same documents.
   */
  static Selection select(List<SampleDocument> candidates, long maxTextBytes) {
    List<Ranked> ranked = new ArrayList<>();
    for (SampleDocument candidate : candidates) {
      ranked.add(new Ranked(Checksums.sha256(candidate.origin().getBytes(UTF_8)), candidate));
    }
    ranked.sort(Comparator.comparing(Ranked::rank));

    List<SampleDocument> selected = new ArrayList<>();
    Set<String> seenTexts = new HashSet<>();
    long textBytes = 0;
    int duplicates = 0;
    for (Ranked entry : ranked) {
      SampleDocument document = entry.document();
      if (!seenTexts.add(document.text())) {
        duplicates++;
        continue;
      }
      long size = document.utf8Bytes();
      if (textBytes + size <= maxTextBytes) {
        selected.add(document);
        textBytes += size;
      }
    }
    return new Selection(selected, textBytes, duplicates);
  }
}

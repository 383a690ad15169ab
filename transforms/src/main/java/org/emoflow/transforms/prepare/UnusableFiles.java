package org.emoflow.transforms.prepare;

import java.util.Map;
import java.util.stream.Collectors;

/** Input files that gave no usable document, as the manifest records them and as warnings name them. */
public final class UnusableFiles {
  /** Tally of such a file's records (all rejected; 0 for a file without any). */
  static final String TALLY_PREFIX = "no_documents:";
  private static final int NAMED = 10;

  private UnusableFiles() {}

  /** "a.jsonl (empty), b.bin (14 records, all rejected)", the first ten and how many more. */
  public static String describe(Map<String, Long> recordsByFile) {
    String named = recordsByFile.entrySet().stream().limit(NAMED)
        .map(file -> file.getKey()
            + (file.getValue() == 0 ? " (empty)" : " (" + file.getValue() + " records, all rejected)"))
        .collect(Collectors.joining(", "));
    int more = recordsByFile.size() - NAMED;
    return more > 0 ? named + " and " + more + " more" : named;
  }
}

package org.emoflow.pipelines.bench;

import java.util.List;

/**
 * The benchmarks' default input: the project's shared sample corpus (10 domains, ~40 MB of text). It
 * cannot be a Beam {@code @Default}: other commands declare {@code --input} without one, and Beam wants
 * a property's default on every options interface that declares it or on none.
 */
final class SharedCorpus {
  static final String ALL = "/work/shared/corpus/*.jsonl.gz";
  /** English prose and Java source: two unlike domains, plenty for the steps a benchmark trains. */
  static final String TWO_DOMAINS = "/work/shared/corpus/lit_en.jsonl.gz,/work/shared/corpus/code_java.jsonl.gz";

  private SharedCorpus() {}

  /** The value for the commands the benchmarks run: --input as given, else {@code fallback}. */
  static String inputOr(List<String> input, String fallback) {
    return input == null || input.isEmpty() ? fallback : String.join(",", input);
  }
}

package org.emoflow.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** The {@code text} fields of a Dolma-style {@code .jsonl.gz} file, for tests and the benchmark. */
final class DolmaJsonl {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DolmaJsonl() {}

  static List<Path> files(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(".jsonl.gz")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> texts(Path file) {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      return lines.lines().map(DolmaJsonl::text).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(String line) {
    try {
      return JSON.readTree(line).path("text").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

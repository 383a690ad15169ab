package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.bench.PrepareBenchmark;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.schemas.TrainingSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench-prepare on a small corpus (plain, gzip and zstd JSONL; both tokenizer backends): its figures
 * agree with the corpus, with the tokenizers, and with padding counted in prepare's own output rows.
 */
class PrepareBenchmarkTest {
  private static final int SEQ_LEN = 64;

  @TempDir Path directory;

  @Test
  void figuresAgreeWithTheCorpusAndWithPreparesOutput() throws Exception {
    List<Corpora.Doc> docs = Corpora.documents(6, 11);
    Corpora.writeJsonl(directory.resolve("corpus"), docs);
    String input = directory.resolve("corpus") + "/*";
    Path tokenizer = directory.resolve("tokenizer.json");
    TokenizerTraining.run(new ByteArrayOutputStream(), "--input=" + input, "--output=" + tokenizer,
        "--vocab-size=400");
    Path work = directory.resolve("work");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    PrepareBenchmark.run(CommandLine.parse(new String[] {"--input=" + input, "--tokenizer=r50k_base",
        "--hf-tokenizer=" + tokenizer, "--seq-lens=" + SEQ_LEN, "--parts=throughput,padding,files", "--split-files=5", "--repeats=1",
        "--cores=1", "--work-dir=" + work}, PrepareBenchmark.Options.class),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    String report = out.toString(StandardCharsets.UTF_8);
    long bytes = docs.stream().mapToLong(d -> d.text().getBytes(StandardCharsets.UTF_8).length).sum();
    assertTrue(report.contains(String.format("(%,d documents, %.2f MB of text, 1 cores;", docs.size(), bytes / 1e6)),
        report);
    List<String> rows = report.lines().filter(l -> l.startsWith("jtokkit") || l.startsWith("huggingface")).toList();
    assertEquals(2, rows.size(), report);
    // Tokenize-only's token count plus one EOS per document is prepare's, for both backends.
    rows.forEach(row -> assertTrue(row.endsWith("agree"), row));
    String padding = String.format("%6d %8.3f%% %8.3f%%", SEQ_LEN, 100 * paddingOf(input, "concat"),
        100 * paddingOf(input, "bestfit"));
    assertTrue(report.lines().anyMatch(padding::equals), padding + " in\n" + report);
    // The same records dealt out to 5 files give the same tokens.
    assertEquals(1, report.lines().filter(l -> l.matches("\\s+5 files\\s+[0-9.]+ s\\s+[0-9.]+x the time\\s+tokens agree")).count(),
        report);
    try (var left = Files.list(work)) {
      assertEquals(0, left.count(), "prepared outputs are removed");
    }
  }

  /** Padding share counted in the rows: every position past a row's segments. */
  private double paddingOf(String input, String packing) throws Exception {
    Path output = directory.resolve("prepared-" + packing);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"prepare", "--input=" + input, "--output=" + output,
        "--tokenizer=r50k_base", "--seq-len=" + SEQ_LEN, "--packing=" + packing},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(ExitCodes.OK, status, err.toString(StandardCharsets.UTF_8));
    long slots = 0;
    long real = 0;
    for (List<TrainingSequence> split : new PreparedOutput(output).rows.values()) {
      for (TrainingSequence row : split) {
        slots += row.getTokens().size();
        real += row.getSegmentLengths().stream().mapToLong(Integer::longValue).sum();
      }
    }
    return (double) (slots - real) / slots;
  }
}

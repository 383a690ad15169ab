package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./emoflow train} on a real prepared dataset: a resume with changed settings is a refused option. */
class TrainCommandEndToEndTest {
  @TempDir Path work;

  private record Invocation(int status, String err) {}

  private static Invocation emoflow(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream captured = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setErr(captured);
    try {
      int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()), captured);
      return new Invocation(status, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void aResumeWithOtherSettingsExitsTwoNamingTheDifferenceAndWritesNothing() throws IOException {
    List<Corpora.Doc> docs = Corpora.documents(4, 3);
    Path corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    Path tokenizer = Corpora.bpeTokenizer(docs, 300, work.resolve("tokenizer.json"));
    Path prepared = work.resolve("prepared");
    Invocation prepare = emoflow("prepare", "--input=" + corpus + "/*", "--output=" + prepared,
        "--tokenizer=" + tokenizer, "--seq-len=32");
    assertEquals(ExitCodes.OK, prepare.status(), prepare.err());
    Path output = work.resolve("model");
    List<String> train = List.of("train", "--data=" + prepared, "--output=" + output, "--preset=tiny",
        "--batch-size=4", "--eval-interval=0", "--eval-sequences=4", "--checkpoint-interval=2", "--threads=1");
    Invocation first = emoflow(Stream.concat(train.stream(), Stream.of("--steps=2")).toArray(String[]::new));
    assertEquals(ExitCodes.OK, first.status(), first.err());
    Map<Path, Long> before = files(output);

    Invocation changed = emoflow(Stream.concat(train.stream(), Stream.of("--steps=4")).toArray(String[]::new));
    assertEquals(ExitCodes.BAD_OPTION, changed.status(), changed.err());
    String line = changed.err().strip();
    assertTrue(line.startsWith("emoflow train: --output: ") && line.contains("step-00000002")
        && line.contains("steps: 2 -> 4") && !line.contains("\n"), line);
    assertEquals(before, files(output), "nothing in the output changed");
  }

  /** Every file under a directory with its size and modification time. */
  private static Map<Path, Long> files(Path dir) throws IOException {
    Map<Path, Long> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        files.put(file, Files.size(file) * 31 + Files.getLastModifiedTime(file).toMillis());
      }
    }
    return files;
  }
}

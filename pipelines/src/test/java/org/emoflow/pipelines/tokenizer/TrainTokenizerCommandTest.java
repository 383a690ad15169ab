package org.emoflow.pipelines.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad options are refused with exit status 2 and one line naming the option, before any work; a corpus
 * with nothing to learn from fails the run with status 1.
 */
class TrainTokenizerCommandTest {
  @TempDir Path directory;
  private Path input;
  private Path output;

  @BeforeEach
  void writeInput() throws IOException {
    input = directory.resolve("corpus.jsonl");
    Files.writeString(input, "{\"id\": \"a\", \"text\": \"some text, some more text\", \"source\": \"web\"}\n");
    output = directory.resolve("out/tokenizer.json");
  }

  private String refusal(String... options) {
    List<String> args = new ArrayList<>(List.of("train-tokenizer"));
    args.addAll(List.of(options));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String message = err.toString(StandardCharsets.UTF_8).strip();
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    assertEquals(1, message.lines().count(), message);
    assertFalse(Files.exists(output), "nothing is written");
    return message;
  }

  private void assertNames(String option, String message) {
    assertTrue(message.startsWith("emoflow train-tokenizer: " + option), message);
  }

  @Test
  void refusesVocabSizesWithoutRoomForBytesEosAndOneMerge() {
    for (String size : List.of("0", "256", "257")) {
      assertNames("--vocab-size", refusal("--input=" + input, "--output=" + output, "--vocab-size=" + size));
    }
  }

  @Test
  void refusesAbsurdVocabSizes() {
    assertNames("--vocab-size", refusal("--input=" + input, "--output=" + output, "--vocab-size=2000000000"));
  }

  @Test
  void refusesMinFrequencyAndMaxWordsBelowOne() {
    assertNames("--min-frequency", refusal("--input=" + input, "--output=" + output, "--min-frequency=0"));
    assertNames("--max-words", refusal("--input=" + input, "--output=" + output, "--max-words=0"));
    assertNames("--max-document-bytes",
        refusal("--input=" + input, "--output=" + output, "--max-document-bytes=0"));
  }

  @Test
  void refusesAMissingInput() {
    String message = refusal("--output=" + output);
    assertTrue(message.contains("--input is required"), message);
  }

  @Test
  void refusesInputsThatMatchNoFile() {
    String message = refusal("--input=" + directory.resolve("nothing-*.jsonl.gz"), "--output=" + output);
    assertNames("--input", message);
    assertTrue(message.contains("matches no files"), message);
  }

  @Test
  void refusesToReplaceAnExistingTokenizerUnlessAsked() throws IOException {
    Path existing = directory.resolve("existing.json");
    Files.writeString(existing, "{}");

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"train-tokenizer", "--input=" + input, "--output=" + existing},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(ExitCodes.BAD_OPTION, status);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--output: " + existing + " exists"), err.toString());
    assertEquals("{}", Files.readString(existing));
  }

  @Test
  void refusesADirectoryOrAUrlAsOutput() {
    assertNames("--output", refusal("--input=" + input, "--output=" + directory));
    assertNames("--output", refusal("--input=" + input, "--output=gs://bucket/tokenizer.json"));
  }

  @Test
  void failsWhenNoDocumentIsLeftToLearnFrom() throws IOException {
    Files.writeString(input, "not json\n{\"id\": \"b\", \"text\": \"\"}\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = Main.run(new String[] {"train-tokenizer", "--input=" + input, "--output=" + output},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.FAILED, status, message);
    assertTrue(message.contains("no words to train on: every document was rejected"), message);
    assertFalse(Files.exists(output));
  }
}

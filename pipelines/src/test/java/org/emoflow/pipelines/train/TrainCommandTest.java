package org.emoflow.pipelines.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.model.ModelConfig;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How train's options become a model config, and what is refused before any work. */
class TrainCommandTest {
  @TempDir
  Path dir;

  private static ModelConfig modelConfig(String... args) {
    TrainOptions options = CommandLine.parse(args, TrainOptions.class);
    return TrainJob.modelConfig(options, 500, 32);
  }

  @Test
  void poolSizesBeyondTheRoutedExpertsAreRefusedNamingTheOptionAndTheCount() {
    InvalidOptionException poolMax = assertThrows(InvalidOptionException.class,
        () -> modelConfig("--data=d", "--output=o", "--preset=tiny", "--pool-max=1000"));
    assertEquals("--pool-max: 1000 must be at most the routed experts (7: experts 8 less the shared one)",
        poolMax.getMessage());
    InvalidOptionException evalPool = assertThrows(InvalidOptionException.class,
        () -> modelConfig("--data=d", "--output=o", "--preset=tiny", "--eval-pool=8"));
    assertTrue(evalPool.getMessage().startsWith("--eval-pool: 8 must be ") && evalPool.getMessage().contains("(7)"),
        evalPool.getMessage());
  }

  @Test
  void withFewerExpertsThePresetsDefaultPoolsFollowTheRoutedCount() {
    // paper: 127 routed experts, pools 8..127, eval pool 32; with 16 experts (15 routed) none may exceed 15.
    ModelConfig config = modelConfig("--data=d", "--output=o", "--preset=paper", "--experts=16");
    assertEquals(List.of(8, 15, 15), List.of(config.poolMin(), config.poolMax(), config.evalPool()));
  }

  @Test
  void aRunConfigWithTooLargeAPoolIsRefusedBeforeAnyWork() throws IOException {
    Path config = Files.writeString(dir.resolve("run.yaml"), String.join("\n",
        "output: " + dir.resolve("out"),
        "corpus: {inputs: [\"" + dir.resolve("none") + "/*\"]}",
        "tokenizer: {name: cl100k_base}",
        "training: {preset: tiny}",
        "variants:",
        "  - {name: wide, router: emo, training: {pool_max: 1000}}",
        ""));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"run", "--config=" + config}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    assertTrue(message.contains("variant 'wide': variants[0].training.pool_max: 1000 must be")
        && message.contains("routed experts (7"), message);
    assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
  }

  private static String refusal(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    return message;
  }

  @Test
  void anOutputThatIsAnExistingFileIsRefusedBeforeAnyWork() throws IOException {
    Path file = Files.writeString(dir.resolve("taken"), "not a directory");
    assertEquals("emoflow train: --output: " + file + " exists and is not a directory" + System.lineSeparator(),
        refusal("train", "--data=" + dir.resolve("no-data"), "--output=" + file));
    assertEquals("not a directory", Files.readString(file));
  }

  @Test
  void aRunWhoseOutputIsAnExistingFileIsRefusedBeforeAnyWork() throws IOException {
    Path corpus = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"hello\"}\n");
    Path file = Files.writeString(dir.resolve("taken"), "not a directory");
    Path config = Files.writeString(dir.resolve("run.yaml"), String.join("\n",
        "output: " + file,
        "corpus: {inputs: [\"" + corpus + "\"]}",
        "tokenizer: {name: cl100k_base}",
        ""));
    String message = refusal("run", "--config=" + config);
    assertEquals("emoflow run: " + config + ": output " + file + " exists and is not a directory"
        + System.lineSeparator(), message);
    assertEquals("not a directory", Files.readString(file));
  }
}

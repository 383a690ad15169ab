package org.emoflow.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.prepare.PrepareOptions;
import org.emoflow.pipelines.run.RunConfig;
import org.emoflow.pipelines.train.TrainOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A value of the wrong type is refused naming the option as typed, or the YAML key with its path. */
class BadValuesTest {
  @TempDir
  Path dir;

  private static String refused(Class<? extends org.apache.beam.sdk.options.PipelineOptions> options, String... args) {
    return assertThrows(InvalidOptionException.class, () -> CommandLine.parse(args, options)).getMessage();
  }

  @Test
  void aCommandLineValueOfTheWrongTypeNamesTheOptionTheValueAndTheType() {
    assertEquals("--seq-len: expected an integer, got 'abc'",
        refused(PrepareOptions.class, "--input=x", "--output=y", "--tokenizer=t", "--seq-len=abc"));
    assertEquals("--seq-len: expected an integer, got 'abc'",
        refused(PrepareOptions.class, "--input=x", "--output=y", "--tokenizer=t", "--seqLen", "abc"));
    assertEquals("--lr: expected a number, got 'fast'",
        refused(TrainOptions.class, "--data=d", "--output=o", "--lr=fast"));
    assertEquals("--seed: expected an integer, got '1.5'",
        refused(TrainOptions.class, "--data=d", "--output=o", "--seed=1.5"));
    assertEquals("--experts: expected an integer, got 'many'",
        refused(TrainOptions.class, "--data=d", "--output=o", "--experts=many"));
    assertEquals("--intra-document-mask: expected true or false, got 'maybe'",
        refused(TrainOptions.class, "--data=d", "--output=o", "--intra-document-mask=maybe"));
  }

  private Path yaml(String... lines) throws IOException {
    return Files.writeString(dir.resolve("run.yaml"), String.join("\n", lines) + "\n");
  }

  @Test
  void aYamlValueOfTheWrongTypeNamesTheKeyWithItsPath() throws IOException {
    Path typed = yaml("output: out", "corpus: {sample: true}", "prepare:", "  seq_len: abc");
    InvalidOptionException seqLen = assertThrows(InvalidOptionException.class,
        () -> RunConfig.load(typed, Files.readString(typed)));
    assertEquals(typed + ": prepare.seq_len: expected an integer, got 'abc'", seqLen.getMessage());
  }

  @Test
  void aRunsTrainingOptionOfTheWrongTypeNamesItsKeyPath() throws IOException {
    Path config = yaml("output: " + dir.resolve("out"), "corpus: {sample: true}", "training:", "  steps: five",
        "variants:", "  - {name: emo, router: emo}", "  - {name: std, router: standard, training: {batch_size: big}}");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"run", "--config=" + config}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(ExitCodes.BAD_OPTION, status);
    assertEquals("emoflow run: " + config + ": variant 'emo': training.steps: expected an integer, got 'five'"
        + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));

    Path perVariant = yaml("output: " + dir.resolve("out"), "corpus: {sample: true}",
        "variants:", "  - {name: emo, router: emo}", "  - {name: std, router: standard, training: {batch_size: big}}");
    err.reset();
    status = Main.run(new String[] {"run", "--config=" + perVariant}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(ExitCodes.BAD_OPTION, status);
    assertEquals("emoflow run: " + perVariant + ": variant 'std': variants[1].training.batch_size: expected an integer,"
        + " got 'big'" + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
  }
}

package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.emoflow.transforms.tokenizer.TrainTokenizerReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer.json is a function of the corpus and options, whatever the runner and parallelism. */
class TrainTokenizerRunnersTest {
  @TempDir Path directory;

  @Test
  void directRunnerAndFlinkWriteTheSameBytes() throws IOException {
    TokenizerCorpus corpus = TokenizerCorpus.write(directory, 5, 30);
    // Words seen once are kept and the cut falls among many equal counts: ties must break the same way.
    String[] options = {"--input=" + corpus.glob(), "--vocab-size=600", "--min-frequency=1", "--max-words=400"};
    Path direct = directory.resolve("direct.json");
    Path flink = directory.resolve("flink.json");

    TrainTokenizerReport directReport = TokenizerTraining.run(new ByteArrayOutputStream(),
        with(options, "--output=" + direct));
    TrainTokenizerReport flinkReport = TokenizerTraining.run(new ByteArrayOutputStream(),
        with(options, "--output=" + flink, "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2"));

    assertArrayEquals(Files.readAllBytes(direct), Files.readAllBytes(flink));
    assertEquals(directReport, flinkReport);
    assertEquals(400, directReport.keptWords());
    assertEquals(600, directReport.vocabSize());
  }

  private static String[] with(String[] options, String... more) {
    String[] all = Arrays.copyOf(options, options.length + more.length);
    System.arraycopy(more, 0, all, options.length, more.length);
    return all;
  }
}

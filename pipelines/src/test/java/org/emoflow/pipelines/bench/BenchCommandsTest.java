package org.emoflow.pipelines.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad benchmark options are refused with status 2 and a line naming the option, before any work. */
class BenchCommandsTest {
  @TempDir Path directory;

  private String refusal(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(ExitCodes.BAD_OPTION, status, err.toString(StandardCharsets.UTF_8));
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void prepareBenchmarkRefusesBadOptions() throws Exception {
    assertTrue(refusal("bench-prepare", "--parts=throughput,speed").contains("--parts: unknown part 'speed'"));
    assertTrue(refusal("bench-prepare", "--seq-lens=256,4").contains("--seq-lens: every length must be at least 8"));
    assertTrue(refusal("bench-prepare", "--seq-lens=256,long").contains("--seq-lens: 'long' is not a whole number"));
    assertTrue(refusal("bench-prepare", "--repeats=0").contains("--repeats"));
    String missing = directory.resolve("none-*.jsonl").toString();
    assertTrue(refusal("bench-prepare", "--input=" + missing, "--work-dir=" + directory).contains("--input"));
    Files.writeString(directory.resolve("a.jsonl"), "{\"id\": \"a\", \"text\": \"x\", \"source\": \"s\"}\n");
    assertTrue(refusal("bench-prepare", "--input=" + directory.resolve("a.jsonl"), "--work-dir=" + directory,
        "--hf-tokenizer=" + directory.resolve("no-tokenizer.json")).contains("--hf-tokenizer"));
    try (var left = Files.list(directory)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith("emoflow-bench")),
          "the work directory is removed");
    }
  }

  @Test
  void trainBenchmarkRefusesBadOptions() throws Exception {
    assertTrue(refusal("bench-train", "--router=dense").contains("--router: expected emo or standard"));
    assertTrue(refusal("bench-train", "--timed-steps=0").contains("--timed-steps: must be positive"));
    assertTrue(refusal("bench-train", "--sequences-per-step=0").contains("--sequences-per-step: must be positive"));
    assertTrue(refusal("bench-train", "--warmup-steps=-1").contains("--warmup-steps"));
    Path notData = Files.createDirectories(directory.resolve("not-data"));
    Files.writeString(notData.resolve("manifest.json"), "{}");
    assertTrue(refusal("bench-train", "--data=" + notData, "--work-dir=" + directory)
        .contains("--data: " + notData.resolve("manifest.json") + " lacks settings."));
  }

  @Test
  void generateBenchmarkRefusesBadOptions() {
    assertTrue(refusal("bench-generate").contains("--checkpoint is required"));
    assertTrue(refusal("bench-generate", "--checkpoint=x", "--repeats=0").contains("--repeats: must be positive"));
    assertTrue(refusal("bench-generate", "--checkpoint=x", "--prompt-tokens=0").contains("--prompt-tokens"));
    assertTrue(refusal("bench-generate", "--checkpoint=" + directory.resolve("none"))
        .contains("--checkpoint: " + directory.resolve("none") + " is not a directory"));
  }

  @Test
  void loadBenchmarkRefusesBadOptions() {
    assertTrue(refusal("bench-load").contains("--checkpoint is required"));
    assertTrue(refusal("bench-load", "--checkpoint=x", "--restrict-to=-1").contains("--restrict-to"));
    assertTrue(refusal("bench-load", "--checkpoint=x", "--prune", "--prune-method=best")
        .contains("--prune-method: unknown selection method 'best'"));
    assertTrue(refusal("bench-load", "--checkpoint=x", "--prune", "--prune-method=random")
        .contains("--prune-method: random reads no weights"));
    assertTrue(refusal("bench-load", "--checkpoint=x", "--measure=half").contains("--measure: expected one of"));
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(2.0, TrainBenchmark.median(new double[] {1, 2, 9}));
    assertEquals(2.5, TrainBenchmark.median(new double[] {1, 2, 3, 9}));
  }
}

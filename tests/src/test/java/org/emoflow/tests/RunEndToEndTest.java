package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.schemas.VariantValidation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./emoflow run}: the whole lifecycle, reuse, a killed training process, bad configs. */
class RunEndToEndTest {
  @TempDir static Path work;
  static Path corpus;
  static Path tokenizer;

  @BeforeAll
  static void corpusAndTokenizer() throws IOException {
    List<Corpora.Doc> docs = Corpora.documents(10, 21);
    corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    tokenizer = Corpora.bpeTokenizer(docs, 500, work.resolve("tokenizer.json"));
  }

  /** A tiny two-variant run; steps and checkpoint cadence vary per test. */
  private static Path config(String name, int steps, int checkpointInterval, String extra) throws IOException {
    Path file = work.resolve(name + ".yaml");
    Files.writeString(file, String.join("\n",
        "output: " + work.resolve(name),
        "corpus:",
        "  inputs: [\"" + corpus + "/*\"]",
        "tokenizer:",
        "  name: " + tokenizer,
        "prepare:",
        "  seq_len: 32",
        "training:",
        "  preset: tiny",
        "  steps: " + steps,
        "  batch_size: 4",
        "  checkpoint_interval: " + checkpointInterval,
        "  keep_checkpoints: 5",
        "  eval_interval: 0",
        "  eval_sequences: 8",
        "  threads: 1",
        "stages:",
        "  jvm_options: [\"-Xmx1g\"]",
        extra,
        ""));
    return file;
  }

  @Test
  void aRunTrainsEvaluatesAndRecordsEverythingThenASecondRunDoesNothing() throws IOException {
    Path config = config("lifecycle", 6, 3, "");
    assertEquals(ExitCodes.OK, run("run", "--config=" + config));
    Path root = work.resolve("lifecycle");
    JsonNode manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    assertEquals("succeeded", manifest.path("status").asText());
    assertEquals(RunCommandSha.of(Files.readString(config)), manifest.path("config_sha256").asText());
    assertEquals(3, manifest.path("inputs").size());
    for (JsonNode input : manifest.path("inputs")) {
      assertEquals(Checksums.sha256(Path.of(input.path("path").asText())), input.path("sha256").asText());
    }
    List<String> stages = new ArrayList<>();
    manifest.path("stages").forEach(s -> stages.add(s.path("name").asText() + "=" + s.path("status").asText()));
    assertEquals(List.of("prepare=done", "train:emo=done", "train:standard=done", "evaluate:emo=done",
        "evaluate:standard=done"), stages);
    for (JsonNode stage : manifest.path("stages")) {
      for (JsonNode output : stage.path("outputs")) {
        assertEquals(Checksums.sha256(Path.of(output.path("path").asText())), output.path("sha256").asText());
      }
    }
    List<VariantValidation> validation = ParquetFiles.readAll(root.resolve("validation.parquet"));
    assertEquals(2 * 5, validation.size(), "2 variants x (4 domains + all)");
    for (VariantValidation row : validation) {
      assertTrue(row.getLoss() > 0 && row.getLoss() < 10, row.toString());
      assertTrue(row.getBitsPerByte() > 0, row.toString());
      assertTrue(row.getTokens() > 0 && row.getBytes() > 0, row.toString());
    }
    long checkpointTime = Files.getLastModifiedTime(root.resolve("variants/emo/checkpoints/step-00000006/model.safetensors")).toMillis();

    String second = capturingStderr(() -> assertEquals(ExitCodes.OK, run("run", "--config=" + config)));
    assertTrue(second.contains("nothing to do"), second);
    JsonNode again = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    again.path("stages").forEach(s -> assertEquals("reused", s.path("status").asText(), s.toString()));
    assertEquals(checkpointTime,
        Files.getLastModifiedTime(root.resolve("variants/emo/checkpoints/step-00000006/model.safetensors")).toMillis());
    assertEquals(manifest.path("validation"), again.path("validation"));
  }

  @Test
  void aKilledTrainingProcessResumesToTheWeightsOfAnUninterruptedRun() throws Exception {
    // Long enough that the process is still training when its second checkpoint appears.
    int steps = 150;
    Path interrupted = config("killed", steps, 5, "");
    CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> run("run", "--config=" + interrupted));
    Path killedOutput = killFirstTrainingProcessAfter(work.resolve("killed"), "step-00000010");
    assertEquals(ExitCodes.FAILED, first.get(10, TimeUnit.MINUTES), "a killed stage fails the run");
    Path root = work.resolve("killed");
    JsonNode manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    assertEquals("failed", manifest.path("status").asText());
    String killedVariant = killedOutput.getFileName().toString();
    JsonNode killedStage = stage(manifest, "train:" + killedVariant);
    assertEquals("failed", killedStage.path("status").asText());
    assertTrue(killedStage.path("reason").asText().contains("killed"), killedStage.toString());
    String otherVariant = killedVariant.equals("emo") ? "standard" : "emo";
    assertEquals("done", stage(manifest, "train:" + otherVariant).path("status").asText(),
        "the other stage still completes");

    // The newest surviving checkpoint of the killed stage is damaged: it must be named and passed over.
    Path newest = new Checkpoints(killedOutput.resolve("checkpoints")).list().stream().reduce((a, b) -> b).orElseThrow();
    try (RandomAccessFile file = new RandomAccessFile(newest.resolve(Checkpoints.MODEL).toFile(), "rw")) {
      file.seek(file.length() / 2);
      int value = file.read();
      file.seek(file.length() / 2);
      file.write(value ^ 0xFF);
    }
    assertEquals(ExitCodes.OK, run("run", "--config=" + interrupted));
    JsonNode resumed = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    assertEquals("done", stage(resumed, "train:" + killedVariant).path("status").asText());
    assertEquals("reused", stage(resumed, "train:" + otherVariant).path("status").asText());
    String log = Files.readString(root.resolve("logs/" + killedVariant + ".log"));
    assertTrue(log.contains("skipping corrupt checkpoint") && log.contains(newest.getFileName().toString()), log);

    Path uninterrupted = config("uninterrupted", steps, 5, "");
    assertEquals(ExitCodes.OK, run("run", "--config=" + uninterrupted));
    for (String variant : List.of("emo", "standard")) {
      String last = String.format("step-%08d", steps);
      assertArrayEquals(
          Files.readAllBytes(work.resolve("uninterrupted/variants/" + variant + "/checkpoints/" + last + "/" + Checkpoints.MODEL)),
          Files.readAllBytes(root.resolve("variants/" + variant + "/checkpoints/" + last + "/" + Checkpoints.MODEL)),
          variant + ": resumed weights equal uninterrupted weights");
    }
  }

  /** Waits for a training process of this run to write the named checkpoint, then kills it with SIGKILL. */
  private static Path killFirstTrainingProcessAfter(Path root, String checkpoint) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      for (String variant : List.of("emo", "standard")) {
        Path output = root.resolve("variants").resolve(variant);
        if (Files.exists(output.resolve("checkpoints").resolve(checkpoint))) {
          Optional<String> pid = processWithArgument("--output=" + output);
          if (pid.isPresent()) {
            assertEquals(0, new ProcessBuilder("kill", "-9", pid.get()).start().waitFor());
            return output;
          }
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no training process reached " + checkpoint);
  }

  /** Scans /proc: ProcessHandle does not see process arguments or parents in every sandbox. */
  private static Optional<String> processWithArgument(String argument) throws IOException {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String[] args = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
          if (List.of(args).contains(argument)) {
            return Optional.of(process.getFileName().toString());
          }
        } catch (IOException gone) {
          // The process ended while the directory was being listed.
        }
      }
    }
    return Optional.empty();
  }

  /** Commands report on System.err. */
  private static String capturingStderr(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static JsonNode stage(JsonNode manifest, String name) {
    for (JsonNode stage : manifest.path("stages")) {
      if (stage.path("name").asText().equals(name)) {
        return stage;
      }
    }
    throw new AssertionError("no stage " + name + " in " + manifest.path("stages"));
  }

  @Test
  void badConfigsAreRefusedBeforeAnyWorkNamingTheKeyOrPath() throws IOException {
    assertRefused(config("typo", 4, 2, "evaluaton:\n  sequences: 4"), "'evaluaton'");
    Path missing = work.resolve("missing.yaml");
    Files.writeString(missing, Files.readString(config("missing", 4, 2, "")).replace(corpus + "/*", work.resolve("no-such") + "/*"));
    assertRefused(missing, "no-such");
    assertRefused(config("twice", 4, 2, "variants:\n  - {name: a, router: emo}\n  - {name: a, router: standard}"), "'a'");
    assertRefused(config("shape", 4, 2, "variants:\n  - name: big-k\n    router: emo\n    training: {experts: 4, top_k: 4}"),
        "variants[0].training.top_k: 4 must be");
    assertRefused(config("reserved", 4, 2, "variants:\n  - name: x\n    router: emo\n    training: {output: /tmp/elsewhere}"),
        "'output'");
    assertFalse(Files.exists(work.resolve("typo")) || Files.exists(work.resolve("missing"))
        || Files.exists(work.resolve("twice")) || Files.exists(work.resolve("shape")), "nothing written");
  }

  @Test
  void aCorpusWithoutOneUsableDocumentStopsTheRunBeforeTraining() throws IOException {
    Path empty = Files.write(Files.createDirectories(work.resolve("empty-corpus")).resolve("empty.jsonl"), new byte[0]);
    Path config = config("empty", 4, 2, "");
    Files.writeString(config, Files.readString(config).replace(corpus + "/*", empty.toString()));
    assertRefused(config, "corpus: nothing to pack: no records read; no usable document in " + empty + " (empty)");
    assertFalse(Files.exists(work.resolve("empty/prepared/manifest.json")), "no finished-looking dataset");
    assertFalse(Files.exists(work.resolve("empty/variants")), "no training started");
  }

  private static void assertRefused(Path config, String named) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"run", "--config=" + config}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    assertTrue(message.contains(named), message);
  }

  private static int run(String... args) {
    return Main.run(args, System.out, System.err);
  }

  /** The run manifest's config checksum: SHA-256 of the YAML text as given. */
  private static final class RunCommandSha {
    static String of(String text) {
      try {
        return java.util.HexFormat.of().formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}

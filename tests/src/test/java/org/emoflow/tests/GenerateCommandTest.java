package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.generate.Decoder;
import org.emoflow.model.generate.RecomputingDecoder;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.schemas.KeptExperts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./emoflow generate} and {@code bench-generate} on a tiny EMO checkpoint trained here (60 steps: fewer
 * leave its experts so alike that dropping some changes no sampled token) and its pruned export: what each writes against a greedy loop that recomputes every sequence, the pruned export writing
 * the restricted model's tokens, seeded sampling whatever the batch, experts read from a sweep's table, and
 * bad input refused naming the line or option before any work.
 */
class GenerateCommandTest {
  private static final int MAX_NEW = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static Path variant;
  static Path checkpoint;
  static Path pruned;
  static Path prompts;
  static PreparedDataset data;

  @BeforeAll
  static void trainAndPruneATinyCheckpoint() throws IOException {
    List<Corpora.Doc> docs = Corpora.documents(8, 17);
    Path corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    Path tokenizer = Corpora.bpeTokenizer(docs, 400, work.resolve("tokenizer.json"));
    Path prepared = work.resolve("prepared");
    variant = work.resolve("variants/emo");
    pruned = work.resolve("pruned-k5");
    assertEquals(ExitCodes.OK, run("prepare", "--input=" + corpus + "/*", "--output=" + prepared,
        "--tokenizer=" + tokenizer, "--seq-len=32", "--validation-fraction=0.25").status());
    assertEquals(ExitCodes.OK, run("train", "--data=" + prepared, "--output=" + variant, "--preset=tiny",
        "--router=emo", "--steps=60", "--batch-size=4", "--eval-interval=0", "--checkpoint-interval=60",
        "--log-interval=60", "--threads=1").status());
    assertEquals(ExitCodes.OK, run("prune", "--checkpoint=" + variant, "--task=code", "--keep=5",
        "--method=frequency", "--calibration-docs=2", "--output=" + pruned, "--threads=1").status());
    checkpoint = Path.of(Trainer.Summary.read(variant).finalCheckpoint());
    data = PreparedDataset.open(prepared);
    prompts = work.resolve("prompts.jsonl");
    Files.writeString(prompts, String.join("\n", "{\"prompt\": \"public static void\", \"id\": \"java\"}",
        "{\"prompt\": \"the of and to in a is that it was for\"}", "", "{\"prompt\": \"el\", \"id\": 7}", ""));
  }

  @Test
  void fullRestrictedAndPrunedWriteWhatAGreedyRecomputationWritesAndThePrunedMatchesTheRestricted()
      throws IOException {
    Invocation full = generate("full", "--checkpoint=" + variant);
    Invocation restricted = generate("restricted", "--checkpoint=" + variant, "--kept=" + pruned.resolve(
        PrunedExport.METADATA));
    Invocation fromExport = generate("pruned", "--checkpoint=" + pruned);
    for (Invocation invocation : List.of(full, restricted, fromExport)) {
      assertEquals(ExitCodes.OK, invocation.status(), invocation.err());
      assertTrue(invocation.err().contains("tokens/s"), invocation.err());
    }
    ExpertRestriction restriction = new ExpertRestriction(PrunedExport.readMetadata(pruned).keptRoutedExperts());
    List<JsonNode> fullLines = lines(full.output());
    List<JsonNode> restrictedLines = lines(restricted.output());
    assertEquals(List.of("\"java\"", "2", "7"), fullLines.stream().map(l -> l.path("id").toString()).toList());
    assertEquals(List.of(1, 2, 4), fullLines.stream().map(l -> l.path("line").asInt()).toList());
    try (TextTokenizer tokenizer = data.openTokenizer(); NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(checkpoint, manager)) {
      for (int i = 0; i < fullLines.size(); i++) {
        int[] prompt = tokenizer.encode(fullLines.get(i).path("prompt").asText());
        check(fullLines.get(i), greedy(model, null, prompt), tokenizer);
        check(restrictedLines.get(i), greedy(model, restriction, prompt), tokenizer);
      }
    }
    assertEquals(tokens(restrictedLines), tokens(lines(fromExport.output())));
    // Sampled text depends on the whole distribution, which the restriction changes and the export keeps.
    String[] sampled = {"--temperature=1.0", "--seed=5"};
    Invocation fullSampled = generate("full-sampled", concat(sampled, "--checkpoint=" + variant));
    Invocation restrictedSampled = generate("restricted-sampled", concat(sampled, "--checkpoint=" + variant,
        "--kept=" + pruned.resolve(PrunedExport.METADATA)));
    Invocation exportSampled = generate("pruned-sampled", concat(sampled, "--checkpoint=" + pruned));
    assertEquals(tokens(lines(restrictedSampled.output())), tokens(lines(exportSampled.output())));
    assertNotEquals(tokens(lines(fullSampled.output())), tokens(lines(restrictedSampled.output())),
        "keeping 4 of 7 routed experts changes the distribution");

    long fullBytes = parameters(checkpoint) * Float.BYTES;
    long prunedBytes = parameters(pruned) * Float.BYTES;
    assertTrue(full.err().contains(String.format("weights resident: %,d bytes of float32 weights (all 8 experts per"
        + " layer)", fullBytes)), full.err());
    assertTrue(restricted.err().contains(String.format("weights resident: %,d bytes of float32 weights (all 8 experts"
        + " per layer, 5 used; a pruned export of them would hold %,d)", fullBytes, prunedBytes)), restricted.err());
    assertTrue(fromExport.err().contains(String.format("weights resident: %,d bytes of float32 weights (pruned: 5 of"
        + " 8 experts per layer)", prunedBytes)), fromExport.err());
  }

  /** The line's tokens are the independent loop's, its text their decoding, its stop reason why the loop ended. */
  private static void check(JsonNode line, Greedy expected, TextTokenizer tokenizer) {
    assertEquals(expected.tokens(), ids(line), line.toString());
    assertEquals(tokenizer.decode(expected.tokens().stream().mapToInt(Integer::intValue).toArray()),
        line.path("text").asText());
    assertEquals(expected.tokens().size(), line.path("new_tokens").asInt());
    assertEquals(expected.reason(), line.path("stop_reason").asText());
  }

  private record Greedy(List<Integer> tokens, String reason) {}

  /** Argmax over the tokenizer's ids of logits recomputed from the whole sequence, until EOS or MAX_NEW tokens. */
  private static Greedy greedy(LanguageModel model, ExpertRestriction restriction, int[] prompt) {
    List<Integer> out = new ArrayList<>();
    try (Decoder decoder = new RecomputingDecoder(model, restriction, List.of(prompt))) {
      while (true) {
        float[] logits = decoder.logits()[0];
        int best = 0;
        for (int id = 1; id < data.vocabSize(); id++) {
          best = logits[id] > logits[best] ? id : best;
        }
        if (best == data.eosId()) {
          return new Greedy(out, "eos");
        }
        out.add(best);
        if (out.size() == MAX_NEW) {
          return new Greedy(out, "length");
        }
        decoder.append(new int[] {best});
      }
    }
  }

  @Test
  void seededSamplingGivesEachPromptItsOwnDrawsWhateverTheBatch() throws IOException {
    String[] sampled = {"--checkpoint=" + variant, "--temperature=1.0", "--top-p=0.9", "--seed=3"};
    Invocation batched = generate("sampled-batched", concat(sampled, "--batch-size=16"));
    Invocation oneByOne = generate("sampled-one", concat(sampled, "--batch-size=1"));
    Invocation otherSeed = generate("sampled-other", "--checkpoint=" + variant, "--temperature=1.0", "--top-p=0.9",
        "--seed=4");
    assertEquals(ExitCodes.OK, batched.status(), batched.err());
    assertTrue(batched.err().contains("temperature 1.0, top-p 0.9, seed 3"), batched.err());
    assertEquals(tokens(lines(batched.output())), tokens(lines(oneByOne.output())));
    assertNotEquals(tokens(lines(batched.output())), tokens(lines(otherSeed.output())));
    Invocation greedy = generate("greedy", "--checkpoint=" + variant);
    assertNotEquals(tokens(lines(greedy.output())), tokens(lines(batched.output())));
  }

  /** A cell id is the same in every run: found in two runs it needs --run-id, which picks that run's experts. */
  @Test
  void keepFromReadsTheExpertsASweepCellKept() throws IOException {
    int[][] kept = PrunedExport.readMetadata(pruned).keptRoutedExperts();
    Path results = work.resolve("results");
    writeKept(results, "a", "cell-1", kept);
    writeKept(results, "a", "cell-2", new int[][] {{0, 1, 2, 3}, {0, 1, 2, 3}});
    writeKept(results, "b", "cell-1", new int[][] {{3, 4, 5, 6}, {3, 4, 5, 6}});
    Invocation ambiguous = generate("keep-from-ambiguous", "--checkpoint=" + variant, "--keep-from=cell-1",
        "--results=" + results);
    assertEquals(ExitCodes.BAD_OPTION, ambiguous.status());
    assertTrue(ambiguous.err().contains("--keep-from: cell cell-1 is in runs [a, b]: choose one with --run-id"),
        ambiguous.err());
    Invocation fromSweep = generate("keep-from", "--checkpoint=" + variant, "--keep-from=cell-1",
        "--results=" + results, "--run-id=a");
    assertEquals(ExitCodes.OK, fromSweep.status(), fromSweep.err());
    assertTrue(fromSweep.err().contains("restricted to the experts of sweep cell cell-1 of run a"), fromSweep.err());
    Invocation fromFile = generate("keep-from-file", "--checkpoint=" + variant, "--kept=" + pruned.resolve(
        PrunedExport.METADATA));
    assertEquals(tokens(lines(fromFile.output())), tokens(lines(fromSweep.output())));
  }

  private static void writeKept(Path results, String run, String cell, int[][] kept) throws IOException {
    List<KeptExperts> rows = new ArrayList<>();
    for (int layer = 0; layer < kept.length; layer++) {
      rows.add(new KeptExperts(run, cell, layer, Arrays.stream(kept[layer]).boxed().toList()));
    }
    Path file = results.resolve("kept_experts/run_id=" + run + "/" + cell + ".parquet");
    ParquetFiles.write(file, KeptExperts.getClassSchema(), rows);
  }

  @Test
  void badInputIsRefusedNamingTheLineOrTheOptionBeforeAnyWork() throws IOException {
    Path badJson = write("bad-json.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"\n");
    Path noPrompt = write("no-prompt.jsonl", "{\"prompt\": \"a\"}\n\n{\"text\": \"b\"}\n");
    Path tooLong = write("too-long.jsonl", "{\"prompt\": \"" + "public static void int ".repeat(20) + "\"}\n");
    Path empty = write("empty.jsonl", "\n\n");
    Path wrongLayers = write("layers.json", "{\"kept_routed_experts\": [[0, 1, 2]]}");
    Path tooFew = write("few.json", "{\"kept_routed_experts\": [[0, 1, 2], [4]]}");
    Path outOfRange = write("range.json", "{\"kept_routed_experts\": [[0, 1, 7], [1, 2, 3]]}");
    Path existing = write("existing.jsonl", "");
    String model = "--checkpoint=" + variant;
    Map<String, List<String>> refusals = new LinkedHashMap<>();
    refusals.put("--prompts: " + badJson + ":2: not JSON", List.of(model, "--prompts=" + badJson));
    refusals.put("--prompts: " + noPrompt + ":3: expected an object with a non-empty string 'prompt'",
        List.of(model, "--prompts=" + noPrompt));
    refusals.put("--prompts: " + tooLong + ":1: the prompt has ", List.of(model, "--prompts=" + tooLong));
    refusals.put("--prompts: " + empty + " holds no prompts", List.of(model, "--prompts=" + empty));
    refusals.put("--kept: " + wrongLayers + " covers 1 layers; the model has 2", List.of(model, "--kept=" + wrongLayers));
    refusals.put("layer 1 keeps [4]; expected at least top_k = 2", List.of(model, "--kept=" + tooFew));
    refusals.put("layer 0 keeps [0, 1, 7]; expected at least top_k = 2 distinct routed expert ids from 0 to 6",
        List.of(model, "--kept=" + outOfRange));
    refusals.put("--keep-from: no kept experts of cell nowhere", List.of(model, "--keep-from=nowhere",
        "--results=" + work.resolve("results")));
    refusals.put("--results: required with --keep-from", List.of(model, "--keep-from=cell-1"));
    refusals.put("--keep-from: and --kept both choose the experts",
        List.of(model, "--kept=" + tooFew, "--keep-from=cell-1", "--results=" + work));
    refusals.put("--top-p: samples, so it needs --temperature above 0", List.of(model, "--top-p=0.5"));
    refusals.put("--temperature: temperature must be 0 (greedy) or positive", List.of(model, "--temperature=-1"));
    refusals.put("--max-new-tokens: must be positive", List.of(model, "--max-new-tokens=0"));
    refusals.put("--output: " + existing + " exists (--overwrite replaces it)",
        List.of(model, "--output=" + existing));
    refusals.put("--checkpoint: ", List.of("--checkpoint=" + work.resolve("nowhere")));
    for (Map.Entry<String, List<String>> refusal : refusals.entrySet()) {
      Map<String, String> options = new LinkedHashMap<>();
      options.put("--prompts", "--prompts=" + prompts);
      options.put("--output", "--output=" + work.resolve("never.jsonl"));
      for (String option : refusal.getValue()) {
        options.put(option.substring(0, option.indexOf('=')), option);
      }
      List<String> args = new ArrayList<>(List.of("generate", "--threads=1"));
      args.addAll(options.values());
      Invocation result = run(args.toArray(String[]::new));
      assertEquals(ExitCodes.BAD_OPTION, result.status(), refusal.getKey() + ": " + result.err());
      assertTrue(result.err().startsWith("emoflow generate: ") && result.err().contains(refusal.getKey()),
          refusal.getKey() + " in " + result.err());
      assertEquals(1, result.err().lines().count(), result.err());
    }
    assertTrue(Files.notExists(work.resolve("never.jsonl")));
    assertEquals("", Files.readString(existing));
  }

  @Test
  void theBenchmarkComparesKvCacheWithRecomputeAndThePrunedWithTheRestrictedModel() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Main.run(new String[] {"bench-generate", "--checkpoint=" + variant, "--keep=5", "--prompt-count=3",
          "--prompt-tokens=4", "--max-new-tokens=5", "--batch-size=2", "--repeats=1", "--threads=1"},
          System.out, System.err);
    } finally {
      System.setOut(original);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.OK, status, report);
    assertTrue(report.contains("same tokens: KV cache = recompute: yes; pruned = restricted: yes"), report);
    assertTrue(report.contains(String.format("%,d bytes", parameters(checkpoint) * Float.BYTES)), report);
    assertTrue(report.contains("KV cache / recompute, tokens/s (full model): "), report);
    assertTrue(report.contains("pruned / restricted: weights resident "), report);
  }

  private static long parameters(Path dir) {
    try (Safetensors.Reader reader = Safetensors.open(dir.resolve(Checkpoints.MODEL))) {
      long count = 0;
      for (String name : reader.names()) {
        count += Arrays.stream(reader.shape(name)).reduce(1, (a, b) -> a * b);
      }
      return count;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path write(String name, String text) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  private static List<JsonNode> lines(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  private static List<Integer> ids(JsonNode line) {
    List<Integer> ids = new ArrayList<>();
    line.path("token_ids").forEach(id -> ids.add(id.asInt()));
    return ids;
  }

  private static List<List<Integer>> tokens(List<JsonNode> lines) {
    return lines.stream().map(GenerateCommandTest::ids).toList();
  }

  private record Invocation(int status, String err, Path output) {}

  /** ./emoflow generate with the test's prompts into OUTPUT-NAME.jsonl, greedy unless the arguments say. */
  private static Invocation generate(String name, String... args) {
    Path output = work.resolve("out-" + name + ".jsonl");
    List<String> all = new ArrayList<>(List.of("generate", "--prompts=" + prompts, "--output=" + output,
        "--max-new-tokens=" + MAX_NEW, "--threads=1"));
    all.addAll(List.of(args));
    Invocation result = run(all.toArray(String[]::new));
    return new Invocation(result.status(), result.err(), output);
  }

  private static Invocation run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream captured = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setErr(captured);
    try {
      int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()), captured);
      return new Invocation(status, err.toString(StandardCharsets.UTF_8), null);
    } finally {
      System.setErr(original);
    }
  }
}

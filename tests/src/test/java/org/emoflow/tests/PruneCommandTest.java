package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.CalibrationDocuments;
import org.emoflow.model.select.CalibrationFingerprint;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.PruningMetadata;
import org.emoflow.model.select.Selection;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.transforms.prepare.SplitHash;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./emoflow prune} on a tiny EMO checkpoint trained here, laid out as {@code ./emoflow run} lays it out
 * (RUN/prepared, RUN/variants/emo): the export evaluates as the restricted full checkpoint does, shrinks with
 * K as its parameter count says, and bad options are refused before any work.
 */
class PruneCommandTest {
  private static final int LAYERS = 2;
  private static final double VALIDATION_FRACTION = 0.25;

  @TempDir static Path work;
  static Path run;
  static Path variant;
  static Path checkpoint;
  static PreparedDataset data;

  @BeforeAll
  static void trainATinyCheckpoint() throws IOException {
    List<Corpora.Doc> docs = new ArrayList<>(Corpora.documents(8, 5));
    // One document alone in its domain, with an id that the split hash holds out: no training documents.
    String soloId = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "solo-" + i)
        .filter(id -> SplitHash.isValidation(SplitHash.of(id), VALIDATION_FRACTION)).findFirst().orElseThrow();
    docs.add(new Corpora.Doc(soloId, "solo", "a single short document"));
    Path corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    Path tokenizer = Corpora.bpeTokenizer(docs, 400, work.resolve("tokenizer.json"));
    run = work.resolve("run");
    Path prepared = run.resolve("prepared");
    variant = run.resolve("variants").resolve("emo");
    assertEquals(ExitCodes.OK, quietly("prepare", "--input=" + corpus + "/*", "--output=" + prepared,
        "--tokenizer=" + tokenizer, "--seq-len=32", "--validation-fraction=" + VALIDATION_FRACTION));
    assertEquals(ExitCodes.OK, quietly("train", "--data=" + prepared, "--output=" + variant, "--preset=tiny",
        "--router=emo", "--steps=4", "--batch-size=4", "--eval-interval=0", "--eval-sequences=4",
        "--checkpoint-interval=4", "--log-interval=4", "--threads=1"));
    checkpoint = Path.of(Trainer.Summary.read(variant).finalCheckpoint());
    data = PreparedDataset.open(prepared);
  }

  @Test
  void theExportEvaluatesAsTheRestrictedCheckpointDoes() throws IOException {
    Path output = work.resolve("pruned-k5");
    Invocation pruned = prune("--checkpoint=" + variant, "--task=prose", "--keep=5", "--method=layerwise",
        "--calibration-docs=4", "--output=" + output);
    assertEquals(ExitCodes.OK, pruned.status(), pruned.err());

    PruningMetadata metadata = PrunedExport.readMetadata(output);
    assertEquals(SelectionMethod.LAYERWISE, metadata.method());
    assertEquals(5, metadata.keptExperts());
    assertEquals(8, metadata.sourceExperts());
    assertEquals(Checksums.sha256(checkpoint.resolve(Checkpoints.MODEL)), metadata.sourceModelSha256());
    // The calibration set: 4 documents of prose from the train split, drawn with seed 0, and nothing else.
    List<PackedSequence> calibration = CalibrationDocuments.select(data, PreparedDataset.TRAIN, "prose", 4, 0);
    assertEquals(CalibrationFingerprint.of(calibration), metadata.calibration());
    assertEquals(4, calibration.stream().flatMap(r -> Stream.of(r.docIds())).distinct().count());
    assertTrue(calibration.stream().allMatch(r -> Stream.of(r.domains()).allMatch("prose"::equals)));

    List<PackedSequence> validation = data.read(PreparedDataset.VALIDATION, Integer.MAX_VALUE);
    ExpertRestriction restriction = new ExpertRestriction(metadata.keptRoutedExperts());
    try (NDManager manager = Compute.newManager();
        LanguageModel full = Checkpoints.loadModel(checkpoint, manager);
        LanguageModel export = Checkpoints.loadModel(output, manager)) {
      assertEquals(full.config().withExperts(5), export.config());
      // Prune chooses layer by layer; the whole loaded model (calibration batches of 8, the default) agrees.
      Selection wholeModel = new ExpertSelector(full, calibration, 8).select(SelectionMethod.LAYERWISE, 5, 0);
      for (int layer = 0; layer < LAYERS; layer++) {
        assertArrayEquals(wholeModel.kept(layer), metadata.keptRoutedExperts()[layer], "layer " + layer);
      }
      Map<String, Evaluator.DomainLoss> restricted = Evaluator.evaluate(full, validation, 4, restriction, null);
      Map<String, Evaluator.DomainLoss> unrestricted = Evaluator.evaluate(full, validation, 4, null, null);
      Map<String, Evaluator.DomainLoss> fromExport = Evaluator.evaluate(export, validation, 4, null, null);
      assertEquals(restricted.keySet(), fromExport.keySet());
      assertTrue(restricted.size() > 2, "several domains: " + restricted.keySet());
      restricted.forEach((domain, loss) -> {
        assertEquals(loss.tokens(), fromExport.get(domain).tokens(), domain);
        assertEquals(loss.loss(), fromExport.get(domain).loss(), 1e-5, domain);
      });
      // A model trained 4 steps barely uses its experts, so the loss moves little; token by token it shows.
      PackedBatch batch = new PackedBatch(validation.subList(0, Math.min(8, validation.size())));
      float[] restrictedTokens = Evaluator.targetLogProbabilities(full, batch, restriction);
      assertTrue(maxAbsDifference(restrictedTokens, Evaluator.targetLogProbabilities(full, batch, null)) > 1e-4,
          "keeping 4 of 7 routed experts changes the predictions");
      assertTrue(maxAbsDifference(restrictedTokens, Evaluator.targetLogProbabilities(export, batch, null)) < 1e-5);
      assertTrue(restricted.get(Evaluator.ALL).loss() != unrestricted.get(Evaluator.ALL).loss());
    }
    assertTrue(pruned.err().contains("task prose: 4 calibration documents"), pruned.err());
    for (int layer = 0; layer < LAYERS; layer++) {
      assertTrue(pruned.err().contains("layer " + layer + " keeps routed experts "
          + java.util.Arrays.toString(metadata.keptRoutedExperts()[layer])), pruned.err());
    }
  }

  @Test
  void theWeightsShrinkWithKAsTheParameterCountSays() throws IOException {
    ModelConfig config = Checkpoints.readConfig(checkpoint);
    long previousBytes = Long.MAX_VALUE;
    long previousParams = 0;
    for (int keep : new int[] {8, 5, 3}) {
      Path output = work.resolve("sizes-k" + keep);
      Invocation pruned = prune("--checkpoint=" + checkpoint, "--task=code", "--keep=" + keep,
          "--method=frequency", "--calibration-docs=2", "--output=" + output);
      assertEquals(ExitCodes.OK, pruned.status(), pruned.err());
      long params = config.withExperts(keep).parameterCount();
      long bytes = Files.size(output.resolve(Checkpoints.MODEL));
      long sourceBytes = Files.size(checkpoint.resolve(Checkpoints.MODEL));
      assertTrue(pruned.err().contains(String.format("parameters %,d -> %,d", config.parameterCount(), params)),
          pruned.err());
      assertTrue(pruned.err().contains(String.format("weights %,d -> %,d bytes", sourceBytes, bytes)),
          pruned.err());
      if (previousBytes != Long.MAX_VALUE) {
        // The float32 weights of the dropped experts and router rows, give or take the safetensors header,
        // which lists one tensor name fewer per dropped expert matrix.
        long dropped = (previousParams - params) * Float.BYTES;
        assertTrue(bytes < previousBytes, "K = " + keep);
        assertTrue(Math.abs((previousBytes - bytes) - dropped) < 2048,
            "K = " + keep + ": " + (previousBytes - bytes) + " bytes fewer, " + dropped + " of weights");
      }
      previousBytes = bytes;
      previousParams = params;
    }
  }

  @Test
  void badOptionsAreRefusedBeforeAnyWork() throws IOException {
    Path output = work.resolve("never");
    String out = "--output=" + output;
    Path corrupt = work.resolve("corrupt-checkpoint");
    copyTree(checkpoint, corrupt);
    try (RandomAccessFile file = new RandomAccessFile(corrupt.resolve(Checkpoints.MODEL).toFile(), "rw")) {
      file.seek(file.length() / 2);
      int value = file.read();
      file.seek(file.length() / 2);
      file.write(value ^ 0xFF);
    }
    Path existing = Files.createDirectories(work.resolve("taken"));
    Map<String, List<String>> refusals = new java.util.LinkedHashMap<>();
    refusals.put("--checkpoint: ", List.of("--checkpoint=" + work.resolve("missing"), "--task=prose", "--keep=4", out));
    refusals.put("fails its checksum", List.of("--checkpoint=" + corrupt, "--task=prose", "--keep=4", out));
    refusals.put("--keep: cannot keep 9 experts per layer: the model has 8",
        List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=9", out));
    refusals.put("--keep: keeping 2 experts leaves 1 routed ones, fewer than top_k (2)",
        List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=2", out));
    refusals.put("--method: unknown selection method 'magic'",
        List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=4", "--method=magic", out));
    refusals.put("--task: unknown domain 'poetry'",
        List.of("--checkpoint=" + checkpoint, "--task=poetry", "--keep=4", out));
    refusals.put("--task: domain 'solo' has no documents in the train split",
        List.of("--checkpoint=" + checkpoint, "--task=solo", "--keep=4", out));
    refusals.put("--calibration-docs: must be 0 (all) or positive",
        List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=4", "--calibration-docs=-1", out));
    refusals.put("--data: ", List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=4", "--data=" + work, out));
    refusals.put("--output: ", List.of("--checkpoint=" + checkpoint, "--task=prose", "--keep=4", "--output=" + existing));
    refusals.put("--keep is required", List.of("--checkpoint=" + checkpoint, "--task=prose", out));
    for (Map.Entry<String, List<String>> refusal : refusals.entrySet()) {
      Invocation result = prune(refusal.getValue().toArray(String[]::new));
      assertEquals(ExitCodes.BAD_OPTION, result.status(), refusal.getKey() + ": " + result.err());
      assertTrue(result.err().startsWith("emoflow prune: ") && result.err().contains(refusal.getKey()),
          refusal.getKey() + " in " + result.err());
      assertEquals(1, result.err().lines().count(), result.err());
    }
    assertTrue(Files.notExists(output));
  }

  @Test
  void theTrainingDataIsFoundBesideTheCheckpointWhenItsRunDirectoryMoved() throws IOException {
    Path moved = work.resolve("moved-run");
    copyTree(run, moved);
    Path original = work.resolve("run-away");
    Files.move(run, original);
    try {
      Path movedCheckpoint = moved.resolve(run.relativize(checkpoint));
      Invocation pruned = prune("--checkpoint=" + movedCheckpoint, "--task=spanish", "--keep=3", "--method=global",
          "--output=" + work.resolve("from-moved"));
      assertEquals(ExitCodes.OK, pruned.status(), pruned.err());
      assertEquals(CalibrationFingerprint.of(CalibrationDocuments.select(
              PreparedDataset.open(moved.resolve("prepared")), PreparedDataset.TRAIN, "spanish", 16, 0)),
          PrunedExport.readMetadata(work.resolve("from-moved")).calibration());
      Invocation explicit = prune("--checkpoint=" + movedCheckpoint, "--task=spanish", "--keep=3", "--method=global",
          "--data=" + moved.resolve("prepared"), "--output=" + work.resolve("explicit"));
      assertEquals(ExitCodes.OK, explicit.status(), explicit.err());
      assertArrayEquals(PrunedExport.readMetadata(work.resolve("from-moved")).keptRoutedExperts(),
          PrunedExport.readMetadata(work.resolve("explicit")).keptRoutedExperts());
    } finally {
      Files.move(original, run);
    }
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /**
   * The checkpoint exported to the Hugging Face layout (several shards, its tokenizer.json beside) prunes to
   * the same experts and the same weights as the checkpoint itself.
   */
  @Test
  void aHuggingFaceExportPrunesLikeTheCheckpointItCameFrom() throws IOException {
    Path hf = work.resolve("hf");
    Invocation exported = command("export-hf", "--checkpoint=" + variant, "--output=" + hf, "--max-shard-size=40KB");
    assertEquals(ExitCodes.OK, exported.status(), exported.err());
    assertTrue(Files.isRegularFile(hf.resolve("model.safetensors.index.json")), exported.err());
    assertEquals(-1L, Files.mismatch(run.resolve("prepared").resolve("tokenizer.json"), hf.resolve("tokenizer.json")),
        "the tokenizer the checkpoint was trained with goes along");
    String config = Files.readString(hf.resolve("config.json"));
    assertTrue(config.contains("\"eos_token_id\" : " + data.eosId()), config);
    Invocation again = command("export-hf", "--checkpoint=" + variant, "--output=" + hf);
    assertEquals(ExitCodes.BAD_OPTION, again.status());
    assertTrue(again.err().contains("--output: " + hf + " already exists"), again.err());
    Invocation badType = command("export-hf", "--checkpoint=" + variant, "--output=" + work.resolve("x"), "--dtype=int8");
    assertEquals(ExitCodes.BAD_OPTION, badType.status());
    assertTrue(badType.err().contains("--dtype: expected float32 or bfloat16"), badType.err());

    Path fromCheckpoint = work.resolve("hf-compare-emoflow");
    Path fromHf = work.resolve("hf-compare-hf");
    assertEquals(ExitCodes.OK, prune("--checkpoint=" + checkpoint, "--task=prose", "--keep=4", "--method=global",
        "--calibration-docs=3", "--output=" + fromCheckpoint).status());
    Invocation withoutData = prune("--checkpoint=" + hf, "--task=prose", "--keep=4", "--output=" + fromHf);
    assertEquals(ExitCodes.BAD_OPTION, withoutData.status());
    assertTrue(withoutData.err().contains("--data: required"), withoutData.err());
    Invocation pruned = prune("--checkpoint=" + hf, "--data=" + run.resolve("prepared"), "--task=prose", "--keep=4",
        "--method=global", "--calibration-docs=3", "--output=" + fromHf);
    assertEquals(ExitCodes.OK, pruned.status(), pruned.err());
    assertArrayEquals(PrunedExport.readMetadata(fromCheckpoint).keptRoutedExperts(),
        PrunedExport.readMetadata(fromHf).keptRoutedExperts());
    assertEquals(-1L, Files.mismatch(fromCheckpoint.resolve(Checkpoints.MODEL), fromHf.resolve(Checkpoints.MODEL)),
        "the same weights, byte for byte");
  }

  /**
   * Two tasks composed, the composition fine-tuned (resumed exactly, other inputs refused) and merged back:
   * each layer keeps the union of the tasks' own selections padded to the widest layer; the merge has the
   * full model's shape.
   */
  @Test
  void composingFineTuningAndMergingBack() throws IOException {
    Path prose = work.resolve("compose-prose");
    Path code = work.resolve("compose-code");
    Path both = work.resolve("compose-both");
    for (String[] task : List.of(new String[] {"prose", prose.toString()}, new String[] {"code", code.toString()},
        new String[] {"prose,code", both.toString()})) {
      Invocation pruned = prune("--checkpoint=" + checkpoint, "--task=" + task[0], "--keep=4", "--method=global",
          "--calibration-docs=4", "--output=" + task[1]);
      assertEquals(ExitCodes.OK, pruned.status(), pruned.err());
    }
    PruningMetadata composed = PrunedExport.readMetadata(both);
    assertEquals(List.of("prose", "code"), composed.members());
    assertEquals(4, composed.memberKeptExperts());
    int widest = 0;
    for (int layer = 0; layer < LAYERS; layer++) {
      java.util.Set<Integer> union = new java.util.TreeSet<>();
      for (Path own : List.of(prose, code)) {
        for (int id : PrunedExport.readMetadata(own).keptRoutedExperts()[layer]) {
          union.add(id);
        }
      }
      int[] kept = composed.keptRoutedExperts()[layer];
      assertTrue(java.util.Arrays.stream(kept).boxed().toList().containsAll(union), "layer " + layer);
      widest = Math.max(widest, union.size());
    }
    assertEquals(widest + 1, composed.keptExperts(), "every layer padded to the widest union");

    Path finetuned = work.resolve("compose-finetuned");
    String[] finetune = {"finetune", "--checkpoint=" + both, "--task=prose,code", "--steps=2", "--batch-size=2",
        "--eval-interval=0", "--eval-sequences=2", "--checkpoint-interval=1", "--log-interval=1", "--threads=1",
        "--output=" + finetuned};
    Invocation first = command(finetune);
    assertEquals(ExitCodes.OK, first.status(), first.err());
    assertTrue(first.err().contains("from " + both.toAbsolutePath().normalize()), first.err());
    // Interrupted after step 1: re-running resumes there and ends bit-identical.
    Path last = finetuned.resolve("checkpoints").resolve(Checkpoints.nameFor(2));
    byte[] weights = Files.readAllBytes(last.resolve(Checkpoints.MODEL));
    try (Stream<Path> files = Files.walk(last)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    }
    Files.delete(finetuned.resolve(Trainer.SUMMARY_FILE));
    Invocation resumed = command(finetune);
    assertEquals(ExitCodes.OK, resumed.status(), resumed.err());
    assertTrue(resumed.err().contains("resumed at step 1"), resumed.err());
    assertArrayEquals(weights, Files.readAllBytes(last.resolve(Checkpoints.MODEL)));
    String[] otherTask = finetune.clone();
    otherTask[2] = "--task=prose";
    Invocation refused = command(otherTask);
    assertEquals(ExitCodes.BAD_OPTION, refused.status(), refused.err());
    assertTrue(refused.err().contains("--output: "), refused.err());
    String[] otherLr = java.util.Arrays.copyOf(finetune, finetune.length + 1);
    otherLr[finetune.length] = "--lr=0.01";
    assertEquals(ExitCodes.BAD_OPTION, command(otherLr).status());

    Path merged = work.resolve("compose-merged");
    Invocation merge = command("merge", "--full=" + checkpoint, "--finetuned=" + finetuned, "--output=" + merged);
    assertEquals(ExitCodes.OK, merge.status(), merge.err());
    assertEquals(Checkpoints.readConfig(checkpoint), Checkpoints.readConfig(merged));
    assertEquals(ExitCodes.BAD_OPTION, command("merge", "--full=" + checkpoint, "--finetuned=" + finetuned,
        "--output=" + work.resolve("merged-2"), "--scope=some").status());
    Invocation notTheSource = command("merge", "--full=" + merged, "--finetuned=" + finetuned,
        "--output=" + work.resolve("merged-3"));
    assertEquals(ExitCodes.BAD_OPTION, notTheSource.status(), notTheSource.err());
    assertTrue(notTheSource.err().contains("is not the checkpoint"), notTheSource.err());
  }

  private record Invocation(int status, String err) {}

  private static Invocation prune(String... args) {
    String[] all = new String[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[all.length - 1] = "--threads=1";
    String[] withCommand = new String[all.length + 1];
    withCommand[0] = "prune";
    System.arraycopy(all, 0, withCommand, 1, all.length);
    return command(withCommand);
  }

  private static Invocation command(String... all) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream captured = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setErr(captured);
    try {
      int status = Main.run(all, System.out, captured);
      return new Invocation(status, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  private static int quietly(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()), System.err);
      assertEquals(ExitCodes.OK, status, err.toString(StandardCharsets.UTF_8));
      return status;
    } finally {
      System.setErr(original);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Files.copy(source, to.resolve(from.relativize(source).toString()));
      }
    }
  }
}

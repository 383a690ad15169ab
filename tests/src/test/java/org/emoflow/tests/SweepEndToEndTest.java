package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.generate.Decoder;
import org.emoflow.model.generate.RecomputingDecoder;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.sweep.SweepJob;
import org.emoflow.pipelines.sweep.SweepOptions;
import org.emoflow.pipelines.sweep.SweepPlan;
import org.emoflow.schemas.ExpertRouting;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.Specialisation;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.sweep.WorkerModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./emoflow sweep} over two tiny checkpoints trained here (EMO and the standard MoE on the same data):
 * the rows of the grid, their numbers against independent computations, Direct vs Flink, a cell that fails
 * at run time, and configs refused before any work.
 */
class SweepEndToEndTest {
  private static final int SEQ_LEN = 32;
  private static final String DOMAIN = "code";
  private static final int[] KEEP = {3, 5, 8};

  @TempDir static Path work;
  static Path prepared;
  static Path multipleChoice;

  @BeforeAll
  static void twoTinyCheckpointsAndATaskFile() throws IOException {
    List<Corpora.Doc> docs = Corpora.documents(12, 41);
    Path corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    Path tokenizer = Corpora.bpeTokenizer(docs, 400, work.resolve("tokenizer.json"));
    prepared = work.resolve("prepared");
    assertEquals(ExitCodes.OK, run("prepare", "--input=" + corpus + "/*", "--output=" + prepared,
        "--tokenizer=" + tokenizer, "--seq-len=" + SEQ_LEN, "--validation-fraction=0.25"));
    assertTrue(PreparedDataset.open(prepared).validationDomains().contains(DOMAIN));
    for (String router : List.of("emo", "standard")) {
      assertEquals(ExitCodes.OK, run("train", "--data=" + prepared, "--output=" + work.resolve("variants/" + router),
          "--router=" + router, "--preset=tiny", "--steps=12", "--batch-size=4", "--eval-interval=0",
          "--checkpoint-interval=12", "--threads=1"));
    }
    multipleChoice = work.resolve("code-or-prose.jsonl");
    Files.writeString(multipleChoice, String.join("\n",
        "{\"context\": \"public static void\", \"choices\": [\" int return\", \" the of and\"], \"answer\": 0}",
        "{\"context\": \"the of and to\", \"choices\": [\" class new final\", \" in a is\"], \"answer\": 1}",
        "{\"context\": \"private String\", \"choices\": [\" su para\", \" if else\", \" was for\"], \"answer\": 1}",
        "{\"context\": \"el la de que\", \"choices\": [\" y en un\", \" while class\"], \"answer\": 0}",
        "{\"context\": \"for while class\", \"choices\": [\" new final\", \" año ñandú\"], \"answer\": 0}",
        "{\"context\": \"his he by at\", \"choices\": [\" from her\", \" return if\"], \"answer\": 0}", ""));
  }

  private static Path variant(String router) {
    return work.resolve("variants/" + router);
  }

  private static Path config(String name, String... lines) throws IOException {
    Path file = work.resolve(name + ".yaml");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  /** The grid of the issue: 2 checkpoints x 2 tasks (a domain, a task file) x 3 K x 2 methods. */
  private static Path gridConfig() throws IOException {
    return config("grid",
        "checkpoints: [" + variant("emo") + ", " + variant("standard") + "]",
        "tasks:",
        "  - domain: " + DOMAIN,
        "  - name: mc",
        "    multiple_choice: " + multipleChoice,
        "methods: [layerwise, random]",
        "keep_experts: " + Arrays.toString(KEEP),
        "calibration_docs: [2]",
        "seeds: [7]",
        "analysis:",
        "  specialisation_tokens: 300",
        "  clusters: 4",
        "  components: 4",
        "workers:",
        "  idle_models: 8");
  }

  @Test
  void aSweepWritesEveryCellOnceWithNumbersThatHoldUpAndFlinkWritesTheSameRows() throws Exception {
    Path config = gridConfig();
    String runId = "grid-" + sha256(Files.readString(config)).substring(0, 8);
    Path direct = work.resolve("results-direct");
    // A stale file of an earlier run with this id: the new partition replaces the old one whole.
    Path stale = direct.resolve("sweep/run_id=" + runId + "/part-stale.parquet");
    ParquetFiles.write(stale, SweepResult.getClassSchema(), List.<SweepResult>of());
    long loadsBefore = WorkerModels.loads();
    assertEquals(ExitCodes.OK, run("sweep", "--config=" + config, "--results=" + direct, "--threads=1"));
    long loads = WorkerModels.loads() - loadsBefore;
    assertFalse(Files.exists(stale));

    List<SweepResult> rows = rows(direct, "sweep", runId);
    // Per checkpoint and task: the full model, random at 3 K (one seed), layerwise at 3 K (one calibration size).
    assertEquals(2 * 2 * (1 + 3 + 3), rows.size());
    Map<String, SweepResult> byCell = rows.stream().collect(Collectors.toMap(
        row -> row.getCheckpoint().substring(row.getCheckpoint().lastIndexOf('/') + 1) + "/" + row.getTask() + "/"
            + row.getMethod() + "/" + row.getKeepExperts(), Function.identity()));
    assertEquals(rows.size(), byCell.size(), "every cell once");
    assertEquals(rows.size(), rows.stream().map(SweepResult::getCellId).distinct().count());
    int directParallelism = Math.max(Runtime.getRuntime().availableProcessors(), 3);
    assertTrue(loads >= 2 && loads <= 2L * directParallelism, "models loaded once per worker thread, not per cell: "
        + loads + " loads for " + rows.size() + " cells");
    for (String router : List.of("emo", "standard")) {
      for (String task : List.of(DOMAIN, "mc")) {
        SweepResult full = byCell.get(router + "/" + task + "/full/8");
        assertNotNull(full, router + "/" + task);
        for (int k : KEEP) {
          for (String method : List.of("layerwise", "random")) {
            SweepResult cell = byCell.get(router + "/" + task + "/" + method + "/" + k);
            assertNull(cell.getError(), cell.toString());
            assertEquals(router, cell.getRouter());
            assertEquals(12L, cell.getTrainStep());
            assertEquals(8, cell.getExpertsTotal());
            assertEquals(k / 8.0, cell.getKeepFraction(), 1e-12);
            assertEquals(method.equals("random") ? null : 2, cell.getCalibrationDocs());
            assertEquals(7L, cell.getSeed());
            assertEquals(full.getEvalTokens(), cell.getEvalTokens(), "every cell scores the same tokens");
            assertTrue(cell.getLoss() > 0 && Double.isFinite(cell.getLoss()), cell.toString());
            if (k == 8) {
              // All experts kept: the restriction changes nothing.
              assertEquals(full.getLoss(), cell.getLoss(), 1e-6 * full.getLoss(), cell.toString());
            }
          }
        }
        assertEquals(task.equals("mc") ? "multiple_choice" : "lm", full.getTaskKind());
        assertEquals(task.equals("mc"), full.getAccuracy() != null);
        assertEquals(task.equals("mc"), full.getAccuracyPerByte() != null);
      }
      checkLanguageModellingAgainstInPlaceEvaluation(byCell.get(router + "/" + DOMAIN + "/full/8"), router);
      checkMultipleChoiceAgainstOneExampleAtATime(byCell.get(router + "/mc/full/8"), router);
    }

    List<KeptExperts> kept = rows(direct, "kept_experts", runId);
    assertEquals(2 * 2 * 3 * 2 * 2, kept.size(), "restricted cells x 2 layers");
    Map<String, SweepResult> byId = rows.stream().collect(Collectors.toMap(SweepResult::getCellId, row -> row));
    for (KeptExperts layer : kept) {
      SweepResult cell = byId.get(layer.getCellId());
      List<Integer> ids = layer.getExpertIds();
      assertEquals(cell.getKeepExperts() - 1, ids.size(), cell.toString());
      assertTrue(ids.stream().allMatch(id -> id >= 0 && id < 7) && ids.equals(ids.stream().sorted().distinct().toList()));
    }
    rematerialiseOneCell(byCell.get("emo/" + DOMAIN + "/layerwise/5"), kept);

    List<ExpertRouting> routing = rows(direct, "routing", runId);
    List<String> domains = PreparedDataset.open(prepared).validationDomains();
    assertEquals(2 * domains.size() * 2 * 7, routing.size(), "checkpoint x domain x layer x routed expert");
    routing.stream().collect(Collectors.groupingBy(r -> r.getCheckpoint() + r.getDomain() + r.getLayer(),
            Collectors.summingDouble(ExpertRouting::getTokenShare)))
        .forEach((key, sum) -> assertEquals(1.0, sum, 1e-9, key));
    List<Specialisation> specialisation = rows(direct, "specialisation", runId);
    assertEquals(2 * domains.size() * 2, specialisation.stream().filter(s -> s.getKind().equals("domain")).count());
    // Each domain gives whole segments until its share of the 300-token budget (or its tokens) run out.
    long share = 300 / domains.size();
    Map<String, Long> domainTokens = routing.stream().collect(
        Collectors.toMap(ExpertRouting::getDomain, ExpertRouting::getTokens, (a, b) -> a));
    long least = domainTokens.values().stream().mapToLong(tokens -> Math.min(tokens, share)).sum();
    for (String checkpoint : List.of(variant("emo").toString(), variant("standard").toString())) {
      List<Specialisation> clusters = specialisation.stream()
          .filter(s -> s.getKind().equals("cluster") && s.getCheckpoint().equals(checkpoint)).toList();
      assertFalse(clusters.isEmpty());
      long clustered = clusters.stream().mapToLong(Specialisation::getSize).sum();
      assertTrue(clustered >= least && clustered < domains.size() * (share + SEQ_LEN),
          "an equal share of the budget per domain: " + clustered + " tokens of " + domainTokens);
      clusters.forEach(c -> assertTrue(c.getPurity() > 0 && c.getPurity() <= 1, c.toString()));
    }

    JsonNode manifest = new ObjectMapper().readTree(
        direct.resolve("sweep_manifest/run_id=" + runId + "/manifest.json").toFile());
    assertEquals(sha256(Files.readString(config)), manifest.path("config_sha256").asText());
    assertEquals(rows.size(), manifest.path("cells").asInt());
    assertEquals(0, manifest.path("failed_cells").asInt());
    for (JsonNode checkpoint : manifest.path("checkpoints")) {
      Path dir = Path.of(checkpoint.path("directory").asText());
      assertEquals(Checksums.sha256(dir.resolve(Checkpoints.MODEL)),
          checkpoint.path("sha256").path(Checkpoints.MODEL).asText());
    }
    assertFalse(Files.exists(direct.resolve("_staging")), "staging is cleaned up");

    Path flink = work.resolve("results-flink");
    assertEquals(ExitCodes.OK, run("sweep", "--config=" + config, "--results=" + flink, "--threads=1",
        "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2"));
    assertEquals(withoutTimings(rows), withoutTimings(rows(flink, "sweep", runId)));
    assertEquals(sorted(kept), sorted(rows(flink, "kept_experts", runId)));
    assertEquals(sorted(routing), sorted(rows(flink, "routing", runId)));
    assertEquals(sorted(specialisation), sorted(rows(flink, "specialisation", runId)));
  }

  /** The full model's domain loss as the run's evaluation computes it: validation rows as packed, all domains. */
  private static void checkLanguageModellingAgainstInPlaceEvaluation(SweepResult full, String router)
      throws IOException {
    PreparedDataset data = PreparedDataset.open(prepared);
    int[] tokenBytes;
    try (TextTokenizer tokenizer = data.openTokenizer()) {
      tokenBytes = tokenizer.tokenByteLengths();
    }
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(finalCheckpoint(router), manager)) {
      Evaluator.DomainLoss expected = Evaluator.evaluate(model,
          data.read(PreparedDataset.VALIDATION, Integer.MAX_VALUE), 8, null, tokenBytes).get(DOMAIN);
      assertEquals(expected.tokens(), full.getEvalTokens());
      assertEquals(expected.bytes(), full.getEvalBytes());
      assertEquals(expected.loss(), full.getLoss(), 1e-5 * expected.loss(), full.toString());
      assertEquals(expected.bitsPerByte(), full.getBitsPerByte(), 1e-5 * expected.bitsPerByte());
      assertEquals(model.config().parameterCount(), full.getParamsKept());
    }
  }

  /** Accuracies from one example and choice per forward pass, the choice's log-likelihood summed by hand. */
  private static void checkMultipleChoiceAgainstOneExampleAtATime(SweepResult full, String router) throws IOException {
    PreparedDataset data = PreparedDataset.open(prepared);
    ObjectMapper json = new ObjectMapper();
    int correct = 0;
    int correctPerByte = 0;
    double goldNats = 0;
    long goldTokens = 0;
    List<String> lines = Files.readAllLines(multipleChoice).stream().filter(l -> !l.isBlank()).toList();
    try (TextTokenizer tokenizer = data.openTokenizer();
        NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(finalCheckpoint(router), manager)) {
      for (String line : lines) {
        JsonNode example = json.readTree(line);
        int[] context = tokenizer.encode(example.path("context").asText());
        double best = Double.NEGATIVE_INFINITY;
        double bestPerByte = Double.NEGATIVE_INFINITY;
        int bestChoice = -1;
        int bestChoicePerByte = -1;
        int answer = example.path("answer").asInt();
        for (int c = 0; c < example.path("choices").size(); c++) {
          String text = example.path("choices").get(c).asText();
          int[] choice = tokenizer.encode(text);
          int[] tokens = new int[SEQ_LEN];
          Arrays.fill(tokens, data.padId());
          System.arraycopy(context, 0, tokens, 0, context.length);
          System.arraycopy(choice, 0, tokens, context.length, choice.length);
          PackedSequence row = new PackedSequence(tokens, new int[] {context.length + choice.length},
              new String[] {"x"}, new int[] {0}, new String[] {"mc"});
          float[] logProbabilities = Evaluator.targetLogProbabilities(model, new PackedBatch(List.of(row)), null);
          double sum = 0;
          for (int t = context.length - 1; t < context.length + choice.length - 1; t++) {
            sum += logProbabilities[t];
          }
          double perByte = sum / text.getBytes(StandardCharsets.UTF_8).length;
          if (sum > best) {
            best = sum;
            bestChoice = c;
          }
          if (perByte > bestPerByte) {
            bestPerByte = perByte;
            bestChoicePerByte = c;
          }
          if (c == answer) {
            goldNats -= sum;
            goldTokens += choice.length;
          }
        }
        correct += bestChoice == answer ? 1 : 0;
        correctPerByte += bestChoicePerByte == answer ? 1 : 0;
      }
    }
    assertEquals((double) correct / lines.size(), full.getAccuracy(), 1e-12, full.toString());
    assertEquals((double) correctPerByte / lines.size(), full.getAccuracyPerByte(), 1e-12, full.toString());
    assertEquals(goldTokens, full.getEvalTokens());
    assertEquals(goldNats / goldTokens, full.getLoss(), 1e-5 * full.getLoss());
  }

  /**
   * A cell's kept experts are enough to rebuild its model: the pruned export of the full checkpoint scores
   * what the restricted evaluation scored, and holds the parameters the row counts.
   */
  private static void rematerialiseOneCell(SweepResult cell, List<KeptExperts> kept) throws IOException {
    int[][] ids = new int[2][];
    for (KeptExperts layer : kept) {
      if (layer.getCellId().equals(cell.getCellId())) {
        ids[layer.getLayer()] = layer.getExpertIds().stream().mapToInt(Integer::intValue).toArray();
      }
    }
    Path export = work.resolve("rematerialised");
    PrunedExport.write(finalCheckpoint("emo"), new Selection(SelectionMethod.LAYERWISE, cell.getKeepExperts(),
        new ExpertRestriction(ids), null, null), export);
    long parameters = 0;
    try (Safetensors.Reader reader = Safetensors.open(export.resolve(Checkpoints.MODEL))) {
      for (String name : reader.names()) {
        parameters += Arrays.stream(reader.shape(name)).reduce(1, (a, b) -> a * b);
      }
    }
    assertEquals(parameters, cell.getParamsKept());
    assertEquals(parameters * Float.BYTES, cell.getCheckpointBytesKept());
    PreparedDataset data = PreparedDataset.open(prepared);
    try (NDManager manager = Compute.newManager(); LanguageModel pruned = Checkpoints.loadModel(export, manager)) {
      double loss = Evaluator.evaluate(pruned, data.domainRows(PreparedDataset.VALIDATION, DOMAIN, 0), 16, null, null)
          .get(DOMAIN).loss();
      assertEquals(cell.getLoss(), loss, 1e-5 * loss);
    }
  }

  /**
   * A generative task of two examples: the first answer is what the full model writes (found here by a greedy
   * loop that recomputes the sequence each step), the second a number, which a tokenizer trained on words
   * without digits cannot write. The full model's exact match is then 1/2; its answer loss is the one scored
   * example by example; a cell that keeps every expert scores as the full model.
   */
  @Test
  void aGenerativeTaskScoresExactMatchAndTheAnswersLossBesideTheOtherTasks() throws Exception {
    int maxNew = 6;
    PreparedDataset data = PreparedDataset.open(prepared);
    String ownPrompt = "public static void";
    String numberPrompt = "the of and";
    String own;
    int numberTokens;
    try (TextTokenizer tokenizer = data.openTokenizer(); NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(finalCheckpoint("emo"), manager)) {
      own = greedyText(model, tokenizer.encode(ownPrompt), maxNew, tokenizer, data);
      numberTokens = tokenizer.encode(greedyText(model, tokenizer.encode(numberPrompt), maxNew, tokenizer, data)).length;
    }
    assertFalse(own.isBlank(), "the model writes something after '" + ownPrompt + "'");
    Path task = work.resolve("gen.jsonl");
    ObjectMapper json = new ObjectMapper();
    Files.writeString(task, json.createObjectNode().put("prompt", ownPrompt).put("answer", own) + "\n"
        + json.createObjectNode().put("prompt", numberPrompt).put("answer", " 98765") + "\n");
    Path config = config("generative",
        "checkpoints: [" + variant("emo") + "]",
        "tasks: [{name: gen, generative: " + task + ", max_new_tokens: " + maxNew + "}]",
        "methods: [layerwise]",
        "keep_experts: [5, 8]",
        "calibration_docs: [1]",
        "analysis: {enabled: false}");
    Path results = work.resolve("results-generative");
    assertEquals(ExitCodes.OK, run("sweep", "--config=" + config, "--results=" + results, "--run-id=gen", "--threads=1"));

    List<SweepResult> rows = rows(results, "sweep", "gen");
    assertEquals(3, rows.size(), "full, layerwise K=5 and K=8");
    Map<String, SweepResult> byCell = rows.stream().collect(Collectors.toMap(
        row -> row.getMethod() + "/" + row.getKeepExperts(), Function.identity()));
    SweepResult full = byCell.get("full/8");
    for (SweepResult row : rows) {
      assertNull(row.getError(), row.toString());
      assertEquals("generative", row.getTaskKind());
      assertNull(row.getAccuracy());
      assertTrue(row.getExactMatch() >= 0 && row.getExactMatch() <= 0.5, "the number is never written: " + row);
    }
    assertEquals(0.5, full.getExactMatch(), full.toString());
    try (TextTokenizer tokenizer = data.openTokenizer()) {
      assertEquals(tokenizer.encode(own).length + numberTokens, full.getGeneratedTokens(), full.toString());
      long answerTokens = tokenizer.encode(own).length + tokenizer.encode(" 98765").length;
      assertEquals(answerTokens, full.getEvalTokens());
      assertEquals(answerLoss(List.of(ownPrompt, numberPrompt), List.of(own, " 98765"), tokenizer),
          full.getLoss(), 1e-5 * full.getLoss());
    }
    SweepResult everyExpert = byCell.get("layerwise/8");
    assertEquals(full.getExactMatch(), everyExpert.getExactMatch());
    assertEquals(full.getGeneratedTokens(), everyExpert.getGeneratedTokens());
    assertEquals(full.getLoss(), everyExpert.getLoss(), 1e-6 * full.getLoss());
    assertEquals(2 * 2, rows(results, "kept_experts", "gen").size(), "2 restricted cells x 2 layers");
    JsonNode manifestTask = new ObjectMapper().readTree(
        results.resolve("sweep_manifest/run_id=gen/manifest.json").toFile()).path("tasks").get(0);
    assertEquals("generative", manifestTask.path("kind").asText());
    assertEquals(maxNew, manifestTask.path("max_new_tokens").asInt());
    assertEquals("\n\n", manifestTask.path("stop").asText());
  }

  /**
   * Argmax over the tokenizer's ids, logits recomputed from the whole sequence, until EOS, the default stop
   * string or {@code maxNew} tokens; the text before the stop string.
   */
  private static String greedyText(LanguageModel model, int[] prompt, int maxNew, TextTokenizer tokenizer,
      PreparedDataset data) {
    List<Integer> out = new ArrayList<>();
    try (Decoder decoder = new RecomputingDecoder(model, null, List.of(prompt))) {
      while (out.size() < maxNew) {
        float[] logits = decoder.logits()[0];
        int best = 0;
        for (int id = 1; id < data.vocabSize(); id++) {
          best = logits[id] > logits[best] ? id : best;
        }
        if (best == data.eosId()) {
          break;
        }
        out.add(best);
        if (tokenizer.decode(out.stream().mapToInt(Integer::intValue).toArray()).contains("\n\n")) {
          break;
        }
        decoder.append(new int[] {best});
      }
    }
    String text = tokenizer.decode(out.stream().mapToInt(Integer::intValue).toArray());
    return text.contains("\n\n") ? text.substring(0, text.indexOf("\n\n")) : text;
  }

  /** Nats per answer token, each prompt + answer scored alone, the answer's log-probabilities summed. */
  private static double answerLoss(List<String> prompts, List<String> answers, TextTokenizer tokenizer)
      throws IOException {
    double nats = 0;
    long tokens = 0;
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(finalCheckpoint("emo"), manager)) {
      for (int i = 0; i < prompts.size(); i++) {
        int[] prompt = tokenizer.encode(prompts.get(i));
        int[] answer = tokenizer.encode(answers.get(i));
        int[] row = new int[SEQ_LEN];
        System.arraycopy(prompt, 0, row, 0, prompt.length);
        System.arraycopy(answer, 0, row, prompt.length, answer.length);
        PackedSequence sequence = new PackedSequence(row, new int[] {prompt.length + answer.length},
            new String[] {"x"}, new int[] {0}, new String[] {"gen"});
        float[] logProbabilities = Evaluator.targetLogProbabilities(model, new PackedBatch(List.of(sequence)), null);
        for (int t = prompt.length - 1; t < prompt.length + answer.length - 1; t++) {
          nats -= logProbabilities[t];
        }
        tokens += answer.length;
      }
    }
    return nats / tokens;
  }

  /**
   * A composition of two domains is evaluated on each member with the union of their selections, and
   * finetune_steps [0, 2] doubles every selected cell: the fine-tuned ones are evaluated on their pruned
   * model after 2 steps on the task's training documents.
   */
  @Test
  void aComposedTaskIsEvaluatedOnEveryMemberAndFineTunedCellsFollowTheirSteps() throws Exception {
    Path config = config("compose",
        "checkpoints: [" + variant("emo") + "]",
        "tasks: [{domain: code}, {domain: prose}, {name: both, compose: [code, prose]}]",
        "methods: [global]",
        "keep_experts: [3]",
        "calibration_docs: [2]",
        "finetune_steps: [0, 2]",
        "finetune: {batch_size: 2}",
        "analysis: {enabled: false}");
    Path results = work.resolve("results-compose");
    assertEquals(ExitCodes.OK, run("sweep", "--config=" + config, "--results=" + results, "--run-id=compose",
        "--threads=1"));

    List<SweepResult> rows = rows(results, "sweep", "compose");
    // code and prose: full + global x {0, 2} steps; both: global x {0, 2} steps x 2 members.
    assertEquals(3 + 3 + 4, rows.size());
    rows.forEach(row -> assertNull(row.getError(), row.toString()));
    Map<String, SweepResult> byKey = rows.stream().collect(Collectors.toMap(
        row -> row.getTask() + "/" + row.getMember() + "/" + row.getMethod() + "/" + row.getFinetuneSteps(),
        Function.identity()));
    assertEquals(10, byKey.size(), "one row per task, member, method and steps");
    List<KeptExperts> kept = rows(results, "kept_experts", "compose");
    assertEquals(6 * 2, kept.size(), "6 restricted cells x 2 layers (a composition's once, not per member)");
    for (String member : List.of("code", "prose")) {
      SweepResult own = byKey.get(member + "/null/global/0");
      SweepResult composed = byKey.get("both/" + member + "/global/0");
      assertNull(own.getComposedExperts());
      assertEquals("lm", composed.getTaskKind());
      assertEquals(3, composed.getKeepExperts());
      assertTrue(composed.getComposedExperts() >= 3 && composed.getComposedExperts() <= 5, composed.toString());
      assertTrue(composed.getParamsKept() > own.getParamsKept(), "the union keeps more than one task's subset");
      assertEquals(byKey.get(member + "/null/full/0").getEvalTokens(), composed.getEvalTokens(),
          "evaluated on the member's own documents");
      SweepResult tuned = byKey.get(member + "/null/global/2");
      assertEquals(own.getParamsKept(), tuned.getParamsKept(), "the fine-tuned pruned model has the subset's size");
      assertEquals(own.getEvalTokens(), tuned.getEvalTokens());
      assertTrue(Math.abs(own.getLoss() - tuned.getLoss()) > 1e-6, "2 steps change the loss: " + own + " " + tuned);
      assertEquals(composed.getComposedExperts(), byKey.get("both/" + member + "/global/2").getComposedExperts());
      for (int layer = 0; layer < 2; layer++) {
        int l = layer;
        List<Integer> ownIds = keptIds(kept, own.getCellId(), l);
        List<Integer> composedIds = keptIds(kept, composed.getCellId(), l);
        assertEquals(composed.getComposedExperts() - 1, composedIds.size());
        assertTrue(composedIds.containsAll(ownIds), "layer " + l + ": " + composedIds + " holds " + ownIds);
      }
    }
    JsonNode manifest = new ObjectMapper().readTree(
        results.resolve("sweep_manifest/run_id=compose/manifest.json").toFile());
    assertEquals("[0,2]", manifest.path("grid").path("finetune_steps").toString());
    assertEquals("[\"code\",\"prose\"]", manifest.path("tasks").get(2).path("members").toString());
  }

  private static List<Integer> keptIds(List<KeptExperts> kept, String cellId, int layer) {
    return kept.stream().filter(k -> k.getCellId().equals(cellId) && k.getLayer() == layer).findFirst()
        .orElseThrow().getExpertIds();
  }

  @Test
  void aCellThatFailsWhileRunningBecomesAnErrorRowAndTheRestOfTheSweepGoesOn() throws Exception {
    Path broken = work.resolve("broken/step-00000012");
    copy(finalCheckpoint("emo"), broken);
    Path results = work.resolve("results-broken");
    Path config = config("broken",
        "checkpoints: [" + broken + ", " + variant("standard") + "]",
        "tasks: [{domain: " + DOMAIN + "}]",
        "methods: [global]",
        "keep_experts: [3]",
        "calibration_docs: [2]",
        "analysis: {specialisation_tokens: 100, clusters: 2, components: 2}");
    SweepPlan plan = SweepPlan.create(config, Files.readString(config), results.toString(), "broken", 1);
    // Damaged after the checks passed: the workers find out when they load it.
    flipOneByte(broken.resolve(Checkpoints.MODEL));
    SweepJob.execute(plan, CommandLine.parse(new String[] {"--config=" + config}, SweepOptions.class));

    List<SweepResult> rows = rows(results, "sweep", "broken");
    assertEquals(2 * 2, rows.size(), "2 checkpoints x (full + global)");
    for (SweepResult row : rows) {
      if (row.getCheckpoint().equals(broken.toString())) {
        assertNotNull(row.getError(), row.toString());
        assertTrue(row.getError().contains("fails its checksum"), row.getError());
        assertNull(row.getLoss());
        assertNull(row.getBitsPerByte());
        assertNull(row.getEvalTokens());
        assertNull(row.getParamsKept());
        assertNull(row.getEvalSeconds());
      } else {
        assertNull(row.getError(), row.toString());
        assertNotNull(row.getLoss());
      }
    }
    List<KeptExperts> kept = rows(results, "kept_experts", "broken");
    assertEquals(2, kept.size(), "the one restricted cell that succeeded, 2 layers");
    JsonNode manifest = new ObjectMapper().readTree(
        results.resolve("sweep_manifest/run_id=broken/manifest.json").toFile());
    assertEquals(2, manifest.path("failed_cells").asInt());
    assertEquals(1, manifest.path("analysis_errors").size());
    assertTrue(manifest.path("analysis_errors").get(0).asText().startsWith(broken.toString()));
    List<ExpertRouting> routing = rows(results, "routing", "broken");
    assertTrue(routing.stream().allMatch(r -> r.getCheckpoint().equals(variant("standard").toString())));
  }

  @Test
  void aSweepThatFailsLeavesNoStagingBehind() throws Exception {
    Path results = work.resolve("results-unpublishable");
    // A file where the sweep table's directory must go: the run fails when it publishes, after every table
    // was staged.
    Files.createDirectories(results);
    Files.writeString(results.resolve("sweep"), "not a directory\n");
    Path config = config("unpublishable",
        "checkpoints: [" + variant("standard") + "]",
        "tasks: [{domain: " + DOMAIN + "}]",
        "methods: [random]",
        "keep_experts: [3]",
        "analysis: {enabled: false}");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"sweep", "--config=" + config, "--results=" + results, "--threads=1"},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(ExitCodes.FAILED, status, err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(results.resolve("_staging")), "no _staging left by the failed run");
    try (Stream<Path> left = Files.list(results)) {
      assertEquals(List.of(results.resolve("sweep")), left.toList());
    }
  }

  @Test
  void badConfigsAreRefusedBeforeAnyWorkNamingTheKeyOrCell() throws IOException {
    Path corrupt = work.resolve("corrupt/step-00000012");
    copy(finalCheckpoint("standard"), corrupt);
    flipOneByte(corrupt.resolve(Checkpoints.MODEL));
    Path empty = work.resolve("empty.jsonl");
    Files.writeString(empty, "\n");
    Path badLine = work.resolve("bad-line.jsonl");
    Files.writeString(badLine, "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"answer\": 0}\n{\"context\": \"a\"}\n");
    Path badGenerative = work.resolve("bad-generative.jsonl");
    Files.writeString(badGenerative, "{\"prompt\": \"a\", \"answer\": 4}\n");
    Path goodGenerative = work.resolve("good-generative.jsonl");
    Files.writeString(goodGenerative, "{\"prompt\": \"a\", \"answer\": \" 4\"}\n");
    String emo = variant("emo").toString();
    Map<String, List<String>> refusals = new TreeMap<>();
    refusals.put("'methds'", List.of("methds: [global]"));
    refusals.put("checkpoints[0] '" + work.resolve("nowhere") + "': " + work.resolve("nowhere") + " is not a directory",
        List.of("checkpoints: [" + work.resolve("nowhere") + "]"));
    refusals.put("fails its checksum", List.of("checkpoints: [" + corrupt + "]"));
    refusals.put("K=9 does not fit checkpoint '" + emo + "'", List.of("keep_experts: [3, 9]"));
    refusals.put("fewer than top_k", List.of("keep_experts: [2]"));
    refusals.put("domain 'nonexistent' has no validation documents", List.of("tasks: [{domain: nonexistent}]"));
    refusals.put("holds no examples", List.of("tasks: [{multiple_choice: " + empty + "}]"));
    refusals.put(badLine + ":2: 'choices'", List.of("tasks: [{multiple_choice: " + badLine + "}]"));
    refusals.put("unknown selection method 'magic'", List.of("methods: [layerwise, magic]"));
    refusals.put("compose: 'poetry' is not a task", List.of("tasks: [{domain: " + DOMAIN + "}, {name: c, compose: ["
        + DOMAIN + ", poetry]}]"));
    refusals.put("compose: needs at least two", List.of("tasks: [{domain: " + DOMAIN + "}, {name: c, compose: ["
        + DOMAIN + "]}]"));
    refusals.put("finetune_steps: every entry must be 0", List.of("finetune_steps: [0, -1]"));
    refusals.put("calibration_docs: expected positive numbers", List.of("calibration_docs: [0]"));
    refusals.put("'max_new_tokens' and 'stop' are for generative tasks",
        List.of("tasks: [{domain: " + DOMAIN + ", stop: x}]"));
    refusals.put(badGenerative + ":1: 'answer' must be a non-empty string",
        List.of("tasks: [{generative: " + badGenerative + "}]"));
    refusals.put("max_new_tokens must be 1 to 31", List.of("tasks: [{generative: " + goodGenerative
        + ", max_new_tokens: 32}]"));
    Path results = work.resolve("results-refused");
    int i = 0;
    for (Map.Entry<String, List<String>> refusal : refusals.entrySet()) {
      Map<String, String> keys = new java.util.LinkedHashMap<>();
      keys.put("checkpoints", "checkpoints: [" + emo + "]");
      keys.put("tasks", "tasks: [{domain: " + DOMAIN + "}]");
      keys.put("methods", "methods: [global]");
      keys.put("keep_experts", "keep_experts: [3]");
      for (String line : refusal.getValue()) {
        keys.put(line.substring(0, line.indexOf(':')), line);
      }
      Path config = config("refused-" + i++, keys.values().toArray(String[]::new));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int status = Main.run(new String[] {"sweep", "--config=" + config, "--results=" + results},
          new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
      String message = err.toString(StandardCharsets.UTF_8);
      assertEquals(ExitCodes.BAD_OPTION, status, message);
      assertTrue(message.contains(refusal.getKey()), "expected '" + refusal.getKey() + "' in: " + message);
    }
    assertFalse(Files.exists(results), "nothing written");
  }

  private static Path finalCheckpoint(String router) throws IOException {
    return Path.of(Trainer.Summary.read(variant(router)).finalCheckpoint());
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  private static void flipOneByte(Path file) throws IOException {
    try (RandomAccessFile data = new RandomAccessFile(file.toFile(), "rw")) {
      data.seek(data.length() / 2);
      int value = data.read();
      data.seek(data.length() / 2);
      data.write(value ^ 0xFF);
    }
  }

  private static <T> List<T> rows(Path results, String table, String runId) throws IOException {
    List<T> rows = new ArrayList<>();
    for (Path file : ParquetFiles.list(results.resolve(table).resolve("run_id=" + runId))) {
      rows.addAll(ParquetFiles.<T>readAll(file));
    }
    return rows;
  }

  /** Rows as text in a fixed order, the columns that time the work (and differ run to run) cleared. */
  private static List<String> withoutTimings(List<SweepResult> rows) {
    return rows.stream().map(row -> {
      SweepResult copy = SweepResult.newBuilder(row).setCreatedAt(Instant.EPOCH).setEvalSeconds(null)
          .setSelectionSeconds(null).build();
      return copy.toString();
    }).sorted().toList();
  }

  private static List<String> sorted(List<? extends SpecificRecord> rows) {
    return rows.stream().map(Object::toString).sorted().toList();
  }

  private static String sha256(String text) throws Exception {
    return java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static int run(String... args) {
    return Main.run(args, System.out, System.err);
  }
}

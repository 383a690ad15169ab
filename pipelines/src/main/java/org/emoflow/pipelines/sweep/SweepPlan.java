package org.emoflow.pipelines.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.emoflow.model.ModelConfig;
import ai.djl.ndarray.NDManager;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.GenerativeTask;
import org.emoflow.model.eval.InvalidTaskException;
import org.emoflow.model.eval.MultipleChoice;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.cli.TrainingData;
import org.emoflow.pipelines.cli.Version;
import org.emoflow.model.train.TrainerState;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.transforms.sweep.Cell;
import org.emoflow.transforms.sweep.CellGroup;
import org.emoflow.transforms.sweep.SweepCheckpoint;
import org.emoflow.transforms.sweep.SweepSettings;
import org.emoflow.transforms.sweep.SweepTask;

/**
 * A sweep config checked against its checkpoints and data, and laid out as cell groups. Every check that
 * can fail runs here, before any Beam work: checkpoints exist and pass their checksums, each has a
 * prepared dataset, tasks have documents (validation, and training ones to calibrate on) or examples that
 * fit the model's rows (a generative task's with room for max_new_tokens), every K fits every MoE checkpoint, methods are known. A refusal names the key and,
 * where it depends on one, the checkpoint or task.
 *
 * <p>The grid, per checkpoint and task: the full model; per K and seed a random subset; per calibration
 * size, method and K a calibrated selection. Methods other than random are deterministic given their
 * calibration set, so seeds multiply the random control only (the others take the first seed). A dense
 * checkpoint has its full-model cells only. A composed task has no full-model cell (its members have
 * theirs). Every selected cell comes once per finetune_steps entry; steps above 0 only for tasks whose
 * members are all domains (the fine-tune trains on their training documents).
 */
public record SweepPlan(
    String runId, Path results, List<SweepCheckpoint> checkpoints, List<SweepTask> tasks, List<CellGroup> groups,
    SweepSettings settings, String manifestJson, List<String> warnings) {

  private static final String RUN_ID = "[A-Za-z0-9_.-]+";

  /** A generative task's bounds on what the model writes, unless the task sets them. */
  static final int DEFAULT_MAX_NEW_TOKENS = 32;
  static final String DEFAULT_STOP = "\n\n";

  /** The full model's K for a dense checkpoint: its single feed-forward. */
  private static final int DENSE_EXPERTS = 1;

  public int cells() {
    return groups.stream().mapToInt(group -> group.cells().size()).sum();
  }

  /** The MoE checkpoints, whose routing is analysed. */
  List<SweepCheckpoint> moeCheckpoints() {
    return checkpoints.stream().filter(SweepCheckpoint::isMoe).toList();
  }

  /**
   * @param resultsOption --results, overriding the config's {@code output} (null: not given)
   * @param runIdOption --run-id, overriding the config's {@code run_id} (null: not given)
   */
  public static SweepPlan create(Path configFile, String configText, String resultsOption, String runIdOption, int threads)
      throws IOException {
    SweepConfig config = SweepConfig.load(configFile, configText);
    Planner planner = new Planner(configFile, config);
    return planner.plan(configText, resultsOption, runIdOption, threads);
  }

  private static final class Planner {
    private final Path file;
    private final SweepConfig config;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, Map<String, String>> checksums = new LinkedHashMap<>();
    private final Map<String, PreparedDataset> datasets = new LinkedHashMap<>();
    private final Map<String, ModelConfig> models = new LinkedHashMap<>();

    Planner(Path file, SweepConfig config) {
      this.file = file;
      this.config = config;
    }

    private InvalidOptionException refuse(String key, String problem) {
      return new InvalidOptionException(file + ": " + key + ": " + problem);
    }

    SweepPlan plan(String configText, String resultsOption, String runIdOption, int threads) throws IOException {
      String output = resultsOption != null ? resultsOption : config.output();
      if (output == null || output.isBlank()) {
        throw new InvalidOptionException(file + ": 'output' is required (or pass --results)");
      }
      String configSha = Checksums.sha256(configText);
      String runId = runId(runIdOption, configSha);
      List<SelectionMethod> methods = methods();
      List<Integer> keep = keepExperts(!methods.isEmpty());
      List<Integer> calibrationSizes = calibrationSizes();
      List<Long> seeds = seeds();
      List<Integer> finetuneSteps = finetuneSteps();
      SweepConfig.Finetune finetune = finetune();
      SweepConfig.Evaluation evaluation = evaluation();
      SweepConfig.Analysis analysis = analysis();
      if (config.idleModels() < 0) {
        throw refuse("workers.idle_models", "must not be negative, got " + config.idleModels());
      }
      List<SweepCheckpoint> checkpoints = checkpoints();
      boolean calibrates = methods.stream().anyMatch(m -> m != SelectionMethod.RANDOM);
      for (SweepCheckpoint checkpoint : checkpoints) {
        checkKeep(checkpoint, keep, methods.isEmpty());
      }
      boolean finetunes = finetuneSteps.stream().anyMatch(steps -> steps > 0);
      List<SweepTask> tasks = tasks(checkpoints, calibrates, finetunes, evaluation);
      if (finetunes) {
        tasks.stream().filter(task -> task.trainingDomains().isEmpty()).forEach(task -> warnings.add("finetune_steps: '"
            + task.name() + "' is not a domain (nor a composition of domains): its cells are not fine-tuned"));
      }

      List<CellGroup> groups = new ArrayList<>();
      long firstSeed = seeds.get(0);
      for (SweepCheckpoint checkpoint : checkpoints) {
        for (SweepTask task : tasks) {
          if (task.isComposition() && !checkpoint.isMoe()) {
            continue;
          }
          List<Cell> uncalibrated = new ArrayList<>();
          if (!task.isComposition()) {
            uncalibrated.add(new Cell(checkpoint, task, Cell.FULL, null, firstSeed, checkpoint.experts(), 0));
          }
          if (checkpoint.isMoe() && methods.contains(SelectionMethod.RANDOM)) {
            for (int k : keep) {
              for (long seed : seeds) {
                uncalibrated.addAll(finetuned(new Cell(checkpoint, task, SelectionMethod.RANDOM.id(), null, seed, k, 0),
                    finetuneSteps));
              }
            }
          }
          if (!uncalibrated.isEmpty()) {
            groups.add(new CellGroup(checkpoint, task, false, null, uncalibrated));
          }
          if (!checkpoint.isMoe() || !calibrates) {
            continue;
          }
          for (Integer documents : calibrationSizes) {
            List<Cell> cells = new ArrayList<>();
            for (SelectionMethod method : methods) {
              if (method != SelectionMethod.RANDOM) {
                for (int k : keep) {
                  cells.addAll(finetuned(new Cell(checkpoint, task, method.id(), documents, firstSeed, k, 0),
                      finetuneSteps));
                }
              }
            }
            groups.add(new CellGroup(checkpoint, task, true, documents, cells));
          }
        }
      }
      SweepSettings settings = new SweepSettings(runId, evaluation.batchSize(), evaluation.maxDocuments(),
          evaluation.maxExamples(), threads, config.idleModels(), analysis.enabled(), analysis.routingSequences(),
          analysis.specialisationTokens(), analysis.clusters(), analysis.components(), firstSeed, finetune.lr(),
          finetune.batchSize());
      Path results = Path.of(output).toAbsolutePath().normalize();
      SweepPlan plan = new SweepPlan(runId, results, checkpoints, tasks, groups, settings, null, List.copyOf(warnings));
      return new SweepPlan(runId, results, checkpoints, tasks, groups, settings,
          manifest(plan, configText, configSha, methods, keep, calibrationSizes, seeds, finetuneSteps, finetune),
          plan.warnings());
    }

    /** The cell once per finetune_steps entry (steps above 0 only where the task has domains to train on). */
    private static List<Cell> finetuned(Cell cell, List<Integer> finetuneSteps) {
      List<Cell> cells = new ArrayList<>();
      for (int steps : finetuneSteps) {
        if (steps == 0 || !cell.task().trainingDomains().isEmpty()) {
          cells.add(new Cell(cell.checkpoint(), cell.task(), cell.method(), cell.calibrationDocs(), cell.seed(),
              cell.keepExperts(), steps));
        }
      }
      return cells;
    }

    private List<Integer> finetuneSteps() {
      List<Integer> steps = config.finetuneStepsOrDefault();
      Set<Integer> seen = new HashSet<>();
      for (Integer n : steps) {
        if (n == null || n < 0) {
          throw refuse("finetune_steps", "every entry must be 0 (no fine-tune) or positive, got " + n);
        }
        if (!seen.add(n)) {
          throw refuse("finetune_steps", n + " is listed twice");
        }
      }
      if (steps.isEmpty()) {
        throw refuse("finetune_steps", "must list at least one number of steps (0: no fine-tune)");
      }
      return steps;
    }

    private SweepConfig.Finetune finetune() {
      SweepConfig.Finetune finetune = config.finetuneOrDefaults();
      if (!(finetune.lr() > 0) || finetune.batchSize() < 1) {
        throw refuse("finetune", "lr and batch_size must be positive");
      }
      return finetune;
    }

    /** --run-id, else run_id, else the config file's name and a short hash of its text. */
    private String runId(String option, String configSha) {
      String runId = option != null ? option : config.runId();
      String key = option != null ? "--run-id" : "run_id";
      if (runId == null) {
        String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "").replaceAll("[^A-Za-z0-9_.-]", "_");
        return name + "-" + configSha.substring(0, 8);
      }
      if (!runId.matches(RUN_ID)) {
        throw refuse(key, "'" + runId + "' must be letters, digits, '.', '_' or '-' (it names a directory)");
      }
      return runId;
    }

    private List<SelectionMethod> methods() {
      List<SelectionMethod> methods = new ArrayList<>();
      for (String name : config.methodsOrDefault()) {
        if (name == null) {
          throw refuse("methods", "an empty entry");
        }
        if (name.equalsIgnoreCase(Cell.FULL)) {
          continue; // always in the grid
        }
        SelectionMethod method;
        try {
          method = SelectionMethod.parse(name);
        } catch (IllegalArgumentException e) {
          throw refuse("methods", e.getMessage() + " (the full model is always included)");
        }
        if (methods.contains(method)) {
          throw refuse("methods", "'" + name + "' is listed twice");
        }
        methods.add(method);
      }
      return methods;
    }

    private List<Integer> keepExperts(boolean needed) {
      List<Integer> keep = config.keepExperts() == null ? List.of() : config.keepExperts();
      if (needed && keep.isEmpty()) {
        throw refuse("keep_experts", "required: the experts kept per layer, the shared one included (e.g. [4, 8])");
      }
      Set<Integer> seen = new HashSet<>();
      for (Integer k : keep) {
        if (k == null || k < 1) {
          throw refuse("keep_experts", "every K must be a positive number, got " + k);
        }
        if (!seen.add(k)) {
          throw refuse("keep_experts", k + " is listed twice");
        }
      }
      return keep;
    }

    private void checkKeep(SweepCheckpoint checkpoint, List<Integer> keep, boolean noSelection) {
      if (!checkpoint.isMoe() || noSelection) {
        return;
      }
      ModelConfig model = models.get(checkpoint.name());
      for (int k : keep) {
        try {
          ExpertSelector.keptRouted(model, k);
        } catch (IllegalArgumentException e) {
          throw refuse("keep_experts", "K=" + k + " does not fit checkpoint '" + checkpoint.name() + "': "
              + e.getMessage());
        }
      }
    }

    /** Positive sizes, or null for "all". */
    private List<Integer> calibrationSizes() {
      List<Integer> sizes = new ArrayList<>();
      for (Object value : config.calibrationDocsOrDefault()) {
        Integer size;
        if (value instanceof String text && text.toLowerCase(Locale.ROOT).equals("all")) {
          size = null;
        } else if (value instanceof Integer number && number > 0) {
          size = number;
        } else {
          throw refuse("calibration_docs", "expected positive numbers of documents or 'all', got '" + value + "'");
        }
        if (sizes.contains(size)) {
          throw refuse("calibration_docs", (size == null ? "all" : size) + " is listed twice");
        }
        sizes.add(size);
      }
      if (sizes.isEmpty()) {
        throw refuse("calibration_docs", "must list at least one size");
      }
      return sizes;
    }

    private List<Long> seeds() {
      List<Long> seeds = config.seedsOrDefault();
      if (seeds.isEmpty() || seeds.stream().anyMatch(java.util.Objects::isNull)) {
        throw refuse("seeds", "must list at least one seed, and no empty entry");
      }
      if (new HashSet<>(seeds).size() != seeds.size()) {
        throw refuse("seeds", "a seed is listed twice");
      }
      return seeds;
    }

    private SweepConfig.Evaluation evaluation() {
      SweepConfig.Evaluation evaluation = config.evaluationOrDefaults();
      if (evaluation.batchSize() < 1) {
        throw refuse("evaluation.batch_size", "must be at least 1, got " + evaluation.batchSize());
      }
      if (evaluation.maxDocuments() < 0 || evaluation.maxExamples() < 0) {
        throw refuse("evaluation", "max_documents and max_examples must be 0 (all) or positive");
      }
      return evaluation;
    }

    private SweepConfig.Analysis analysis() {
      SweepConfig.Analysis analysis = config.analysisOrDefaults();
      if (analysis.routingSequences() < 0) {
        throw refuse("analysis.routing_sequences", "must be 0 (all) or positive");
      }
      if (analysis.specialisationTokens() < 1 || analysis.clusters() < 1 || analysis.components() < 1) {
        throw refuse("analysis", "specialisation_tokens, clusters and components must be positive");
      }
      return analysis;
    }

    private List<SweepCheckpoint> checkpoints() throws IOException {
      List<String> entries = config.checkpoints() == null ? List.of() : config.checkpoints();
      if (entries.isEmpty()) {
        throw refuse("checkpoints", "required: checkpoint directories, or training outputs (RUN/variants/NAME)");
      }
      List<SweepCheckpoint> checkpoints = new ArrayList<>();
      Set<Path> seen = new HashSet<>();
      for (int i = 0; i < entries.size(); i++) {
        String key = "checkpoints[" + i + "] '" + entries.get(i) + "'";
        if (entries.get(i) == null || entries.get(i).isBlank()) {
          throw refuse("checkpoints[" + i + "]", "an empty entry");
        }
        if (checksums.containsKey(entries.get(i))) {
          throw refuse(key, "listed twice");
        }
        Path dir = checkpointDirectory(key, Path.of(entries.get(i)));
        if (!seen.add(dir)) {
          throw refuse(key, "is the same checkpoint as an earlier entry (" + dir + ")");
        }
        checkpoints.add(checkpoint(key, entries.get(i), dir));
      }
      return checkpoints;
    }

    /**
     * A checkpoint directory as given, or a training output's final checkpoint (training.json names it; a
     * training that has not finished offers its newest checkpoint).
     */
    private Path checkpointDirectory(String key, Path given) throws IOException {
      if (!Files.isDirectory(given)) {
        throw refuse(key, "no such directory");
      }
      Path dir = given.toAbsolutePath().normalize();
      if (Files.exists(dir.resolve(Checkpoints.CHECKSUMS)) || ModelCheckpoint.isModelDirectory(dir)) {
        return dir;
      }
      if (Files.isRegularFile(dir.resolve(Trainer.SUMMARY_FILE))) {
        Path last = Path.of(Trainer.Summary.read(dir).finalCheckpoint());
        // The run directory may have moved since: find the checkpoint by name where it is now.
        Path here = dir.resolve("checkpoints").resolve(last.getFileName());
        if (Files.isDirectory(here) || !Files.isDirectory(last)) {
          return here;
        }
        return last;
      }
      List<Path> saved = new Checkpoints(dir.resolve("checkpoints")).list();
      if (saved.isEmpty()) {
        throw refuse(key, "holds no checkpoint: expected a checkpoint directory (with " + Checkpoints.CHECKSUMS
            + "), a Hugging Face EmoForCausalLM directory (config.json and safetensors) or a training output (with "
            + Trainer.SUMMARY_FILE + " or checkpoints/step-*)");
      }
      warnings.add(key + ": no " + Trainer.SUMMARY_FILE + " (training unfinished?); using its newest checkpoint "
          + saved.get(saved.size() - 1).getFileName());
      return saved.get(saved.size() - 1);
    }

    /** Checked as a worker will load it: checksums (emoflow) or shard headers (Hugging Face), every tensor's shape. */
    private SweepCheckpoint checkpoint(String key, String name, Path dir) throws IOException {
      ModelConfig model;
      TrainerState state = null;
      String fingerprint;
      try (NDManager manager = Compute.newManager(); ModelCheckpoint checkpoint = ModelCheckpoint.open(dir, manager)) {
        model = checkpoint.config();
        fingerprint = checkpoint.fingerprint();
        if (Files.isRegularFile(dir.resolve(Checkpoints.TRAINER))) {
          state = TrainerState.read(dir);
        }
        checksums.put(name, checkpoint.layout() == ModelCheckpoint.Layout.EMOFLOW ? recordedChecksums(dir)
            : Map.of("fingerprint", fingerprint));
      } catch (IOException | RuntimeException e) {
        throw refuse(key, "not a usable checkpoint: " + e.getMessage());
      }
      models.put(name, model);
      String data = dataDirectory(key, dir, state);
      long step = state != null ? state.step() : stepOf(dir);
      int experts = model.router().isMoe() ? model.experts() : DENSE_EXPERTS;
      return new SweepCheckpoint(name, dir.toString(), fingerprint, model.router().id(), step, experts, model.topK(), data);
    }

    private static long stepOf(Path dir) {
      try {
        return Checkpoints.stepOf(dir);
      } catch (IllegalArgumentException notAStepDirectory) {
        return 0;
      }
    }

    /** The config's {@code data}, else the dataset the checkpoint was trained on ({@link TrainingData}). */
    private String dataDirectory(String key, Path dir, TrainerState state) throws IOException {
      Path data;
      if (config.data() != null) {
        data = Path.of(config.data()).toAbsolutePath().normalize();
      } else {
        try {
          data = TrainingData.of(dir).directory();
        } catch (TrainingData.NotFoundException e) {
          throw refuse(key, e.getMessage() + "; name the prepared data with 'data'");
        }
      }
      String dataKey = config.data() != null ? "data" : key;
      PreparedDataset dataset = datasets.get(data.toString());
      if (dataset == null) {
        try {
          dataset = PreparedDataset.open(data);
        } catch (InvalidDatasetException e) {
          throw refuse(dataKey, e.getMessage());
        }
        datasets.put(data.toString(), dataset);
      }
      String changed = TrainingData.changedSince(dir, data, state);
      if (changed != null) {
        warnings.add(key + ": " + changed);
      }
      return data.toString();
    }

    private static Map<String, String> recordedChecksums(Path dir) throws IOException {
      Map<String, String> files = new LinkedHashMap<>();
      for (String line : Files.readAllLines(dir.resolve(Checkpoints.CHECKSUMS), StandardCharsets.UTF_8)) {
        String[] parts = line.split("  ", 2);
        files.put(parts[1], parts[0]);
      }
      return files;
    }

    private List<SweepTask> tasks(List<SweepCheckpoint> checkpoints, boolean calibrates, boolean finetunes,
        SweepConfig.Evaluation evaluation) throws IOException {
      List<SweepConfig.Task> entries = config.tasks() == null ? List.of() : config.tasks();
      if (entries.isEmpty()) {
        throw refuse("tasks", "required: a domain of the prepared data ({domain: NAME}), a multiple-choice file"
            + " ({multiple_choice: FILE.jsonl}) or a generative one ({generative: FILE.jsonl})");
      }
      List<SweepTask> tasks = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (int i = 0; i < entries.size(); i++) {
        SweepConfig.Task entry = entries.get(i);
        String key = "tasks[" + i + "]";
        long kinds = entry == null ? 0
            : java.util.stream.Stream.of(entry.domain(), entry.multipleChoice(), entry.generative(), entry.compose())
                .filter(java.util.Objects::nonNull).count();
        if (kinds != 1) {
          throw refuse(key, "needs one of 'domain', 'multiple_choice', 'generative' or 'compose'");
        }
        if (entry.compose() != null) {
          if (entry.name() == null || !names.add(entry.name())) {
            throw refuse(key, "a composition needs a 'name' of its own, not used by another task");
          }
          tasks.add(null); // composed below, once every task it may name is known
          continue;
        }
        if (entry.domain() != null && entry.calibration() != null) {
          throw refuse(key, "'calibration' is for task files; a domain calibrates on its training documents");
        }
        if (entry.generative() == null && (entry.maxNewTokens() != null || entry.stop() != null)) {
          throw refuse(key, "'max_new_tokens' and 'stop' are for generative tasks");
        }
        String file = entry.multipleChoice() != null ? entry.multipleChoice() : entry.generative();
        String name = entry.name() != null ? entry.name() : entry.domain() != null ? entry.domain()
            : Path.of(file).getFileName().toString().replaceFirst("\\.jsonl$", "");
        if (name.isBlank() || !names.add(name)) {
          throw refuse(key, "task name '" + name + "' is empty or used twice (set 'name')");
        }
        key += " '" + name + "'";
        String calibration = file == null ? null : absolute(entry.calibration() != null ? entry.calibration() : file);
        SweepTask task;
        if (entry.domain() != null) {
          task = SweepTask.domain(name, entry.domain());
        } else if (entry.multipleChoice() != null) {
          task = SweepTask.multipleChoice(name, absolute(file), calibration);
        } else {
          int maxNewTokens = entry.maxNewTokens() == null ? DEFAULT_MAX_NEW_TOKENS : entry.maxNewTokens();
          if (maxNewTokens < 1) {
            throw refuse(key + ": max_new_tokens", "must be positive, got " + maxNewTokens);
          }
          task = SweepTask.generative(name, absolute(file), calibration, maxNewTokens,
              entry.stop() == null ? DEFAULT_STOP : entry.stop());
        }
        for (SweepCheckpoint checkpoint : checkpoints) {
          if (task.isLanguageModelling()) {
            checkDomain(key, task, checkpoint, (calibrates || finetunes) && checkpoint.isMoe());
          } else {
            checkExamples(key, task, checkpoint, calibrates && checkpoint.isMoe(), evaluation.maxExamples());
          }
        }
        tasks.add(task);
      }
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i).compose() != null) {
          tasks.set(i, composition("tasks[" + i + "] '" + entries.get(i).name() + "'", entries.get(i), tasks));
        }
      }
      return tasks;
    }

    /** A compose entry: two or more distinct tasks of the config, none of them a composition. */
    private SweepTask composition(String key, SweepConfig.Task entry, List<SweepTask> tasks) {
      if (entry.calibration() != null || entry.maxNewTokens() != null || entry.stop() != null) {
        throw refuse(key, "a composition takes 'name' and 'compose' only (its members calibrate as they do alone)");
      }
      List<SweepTask> members = new ArrayList<>();
      for (String member : entry.compose()) {
        SweepTask task = tasks.stream().filter(t -> t != null && t.name().equals(member)).findFirst().orElse(null);
        if (task == null) {
          throw refuse(key + ": compose", "'" + member + "' is not a task of this config (compositions cannot be"
              + " members)");
        }
        if (members.contains(task)) {
          throw refuse(key + ": compose", "'" + member + "' is listed twice");
        }
        members.add(task);
      }
      if (members.size() < 2) {
        throw refuse(key + ": compose", "needs at least two member tasks");
      }
      return SweepTask.compose(entry.name(), members);
    }

    private static String absolute(String path) {
      return Path.of(path).toAbsolutePath().normalize().toString();
    }

    private void checkDomain(String key, SweepTask task, SweepCheckpoint checkpoint, boolean calibrates) {
      PreparedDataset data = datasets.get(checkpoint.dataDir());
      if (!data.validationDomains().contains(task.domain())) {
        throw refuse(key, "domain '" + task.domain() + "' has no validation documents in " + data.root()
            + " (the data of checkpoint '" + checkpoint.name() + "'; domains with some: " + data.validationDomains()
            + ")");
      }
      if (calibrates && !data.trainDomains().contains(task.domain())) {
        throw refuse(key, "domain '" + task.domain() + "' has no training documents in " + data.root()
            + " to calibrate the selection on (checkpoint '" + checkpoint.name() + "')");
      }
    }

    /** Parsed, not empty, and every scored example fits the checkpoint's rows in its tokens. */
    private void checkExamples(String key, SweepTask task, SweepCheckpoint checkpoint, boolean calibrates,
        int maxExamples) throws IOException {
      ModelConfig model = models.get(checkpoint.name());
      List<String> files = calibrates && !task.calibrationFile().equals(task.file())
          ? List.of(task.file(), task.calibrationFile()) : List.of(task.file());
      for (String path : files) {
        int limit = path.equals(task.file()) ? maxExamples : 0;
        try (TextTokenizer tokenizer = datasets.get(checkpoint.dataDir()).openTokenizer()) {
          if (task.isGenerative()) {
            List<GenerativeTask.Example> examples = GenerativeTask.read(Path.of(path), limit);
            requireExamples(key, path, examples);
            GenerativeTask.tokenize(examples, tokenizer, model.seqLen(), task.maxNewTokens());
          } else {
            List<MultipleChoice.Example> examples = MultipleChoice.read(Path.of(path), limit);
            requireExamples(key, path, examples);
            MultipleChoice.tokenize(examples, tokenizer, model.seqLen());
          }
        } catch (InvalidTaskException e) {
          throw refuse(key, e.getMessage());
        } catch (IOException e) {
          throw refuse(key, "cannot read " + path + " (" + e + ")");
        } catch (IllegalArgumentException e) {
          throw refuse(key, path + " in the tokens of checkpoint '" + checkpoint.name() + "': " + e.getMessage());
        }
      }
    }

    private void requireExamples(String key, String path, List<?> examples) {
      if (examples.isEmpty()) {
        throw refuse(key, path + " holds no examples");
      }
    }

    private String manifest(SweepPlan plan, String configText, String configSha, List<SelectionMethod> methods,
        List<Integer> keep, List<Integer> calibrationSizes, List<Long> seeds, List<Integer> finetuneSteps,
        SweepConfig.Finetune finetune) throws IOException {
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode manifest = json.createObjectNode();
      manifest.put("run_id", plan.runId());
      manifest.put("config_file", file.toAbsolutePath().normalize().toString());
      manifest.put("config_sha256", configSha);
      manifest.put("config", configText);
      manifest.put("emoflow_version", Version.get());
      manifest.put("code_version", Version.source());
      manifest.put("results", plan.results().toString());
      ArrayNode checkpoints = manifest.putArray("checkpoints");
      for (SweepCheckpoint checkpoint : plan.checkpoints()) {
        ObjectNode node = checkpoints.addObject().put("name", checkpoint.name())
            .put("directory", checkpoint.directory()).put("router", checkpoint.router())
            .put("train_step", checkpoint.step()).put("experts", checkpoint.experts())
            .put("data", checkpoint.dataDir());
        ObjectNode files = node.putObject("sha256");
        checksums.get(checkpoint.name()).forEach(files::put);
      }
      ArrayNode tasks = manifest.putArray("tasks");
      for (SweepTask task : plan.tasks()) {
        ObjectNode node = tasks.addObject().put("name", task.name()).put("kind", task.kind());
        if (task.isComposition()) {
          task.members().forEach(member -> node.withArray("members").add(member.name()));
        } else if (task.isLanguageModelling()) {
          node.put("domain", task.domain());
        } else {
          node.put("file", task.file()).put("sha256", Checksums.sha256(Path.of(task.file())))
              .put("calibration_file", task.calibrationFile())
              .put("calibration_sha256", Checksums.sha256(Path.of(task.calibrationFile())));
        }
        if (task.isGenerative()) {
          node.put("max_new_tokens", task.maxNewTokens()).put("stop", task.stop());
        }
      }
      ObjectNode grid = manifest.putObject("grid");
      methods.stream().map(SelectionMethod::id).forEach(grid.putArray("methods")::add);
      keep.forEach(grid.putArray("keep_experts")::add);
      ArrayNode sizes = grid.putArray("calibration_docs");
      calibrationSizes.forEach(size -> {
        if (size == null) {
          sizes.add("all");
        } else {
          sizes.add(size);
        }
      });
      seeds.forEach(grid.putArray("seeds")::add);
      finetuneSteps.forEach(grid.putArray("finetune_steps")::add);
      manifest.putObject("finetune").put("lr", finetune.lr()).put("batch_size", finetune.batchSize());
      manifest.put("planned_cells", plan.cells());
      return json.writeValueAsString(manifest);
    }
  }

  /** Reports warnings found while planning. */
  void reportWarnings(Consumer<String> log) {
    warnings.forEach(warning -> log.accept("warning: " + warning));
  }
}

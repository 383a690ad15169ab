package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.schemas.SweepManifest;
import org.emoflow.transforms.sweep.Cell;
import org.emoflow.transforms.sweep.CellGroup;
import org.emoflow.transforms.sweep.SweepCheckpoint;
import org.emoflow.transforms.sweep.SweepGrid;
import org.emoflow.transforms.sweep.SweepSettings;
import org.emoflow.transforms.sweep.SweepTask;

/**
 * A sweep config checked against its checkpoints and data, and laid out as cell groups. Every check that
 * can fail runs here, before any Beam work: the grid's axes ({@link SweepGrid}) are well formed and every K
 * fits every MoE checkpoint; checkpoints and their data ({@link SweepCheckpoints}); tasks ({@link SweepTasks}).
 * A refusal names the key and, where it depends on one, the checkpoint or task.
 */
public record SweepPlan(
    String runId, Path results, List<SweepCheckpoint> checkpoints, List<SweepTask> tasks, List<CellGroup> groups,
    SweepSettings settings, SweepManifest manifest, List<String> warnings) {

  private static final String RUN_ID = "[A-Za-z0-9_.-]+";

  public int cells() {
    return cells(groups);
  }

  private static int cells(List<CellGroup> groups) {
    return groups.stream().mapToInt(group -> group.cells().size()).sum();
  }

  /** The MoE checkpoints, whose routing is analysed. */
  List<SweepCheckpoint> moeCheckpoints() {
    return checkpoints.stream().filter(SweepCheckpoint::isMoe).toList();
  }

  /** Reports warnings found while planning. */
  void reportWarnings(Consumer<String> log) {
    warnings.forEach(warning -> log.accept("warning: " + warning));
  }

  /**
   * @param resultsOption --results, overriding the config's {@code output} (null: not given)
   * @param runIdOption --run-id, overriding the config's {@code run_id} (null: not given)
   */
  public static SweepPlan create(Path configFile, String configText, String resultsOption, String runIdOption, int threads)
      throws IOException {
    SweepConfig config = SweepConfig.load(configFile, configText);
    return new Planner(new SweepConfigFile(configFile), config).plan(configText, resultsOption, runIdOption, threads);
  }

  private static final class Planner {
    private final SweepConfigFile checked;
    private final SweepConfig config;

    Planner(SweepConfigFile checked, SweepConfig config) {
      this.checked = checked;
      this.config = config;
    }

    private InvalidOptionException refuse(String key, String problem) {
      return checked.refuse(key, problem);
    }

    SweepPlan plan(String configText, String resultsOption, String runIdOption, int threads) throws IOException {
      String output = resultsOption != null ? resultsOption : config.output();
      if (output == null || output.isBlank()) {
        throw new InvalidOptionException(checked.file() + ": 'output' is required (or pass --results)");
      }
      String configSha = Checksums.sha256(configText);
      String runId = runId(runIdOption, configSha);
      List<SelectionMethod> methods = methods();
      SweepGrid grid = new SweepGrid(methods, keepExperts(!methods.isEmpty()), calibrationSizes(), seeds(),
          finetuneSteps());
      SweepConfig.Finetune finetune = finetune();
      SweepConfig.Evaluation evaluation = evaluation();
      SweepConfig.Analysis analysis = analysis();
      if (config.idleModels() < 0) {
        throw refuse("workers.idle_models", "must not be negative, got " + config.idleModels());
      }
      SweepCheckpoints checkpoints = SweepCheckpoints.check(checked, config.checkpoints(), config.data());
      if (!methods.isEmpty()) {
        for (SweepCheckpoint checkpoint : checkpoints.all()) {
          checkKeep(checkpoints, checkpoint, grid.keepExperts());
        }
      }
      List<SweepTask> tasks = SweepTasks.check(checked, config.tasks(), checkpoints, grid.calibrates(),
          grid.finetunes(), evaluation.maxExamples());
      if (grid.finetunes()) {
        tasks.stream().filter(task -> task.trainingDomains().isEmpty()).forEach(task -> checked.warn("finetune_steps: '"
            + task.name() + "' is not a domain (nor a composition of domains): its cells are not fine-tuned"));
      }
      List<CellGroup> groups = grid.expand(checkpoints.all(), tasks);
      SweepSettings settings = new SweepSettings(runId, evaluation.batchSize(), evaluation.maxDocuments(),
          evaluation.maxExamples(), threads, config.idleModels(), analysis.enabled(), analysis.routingSequences(),
          analysis.specialisationTokens(), analysis.clusters(), analysis.components(), grid.seeds().get(0),
          finetune.lr(), finetune.batchSize());
      Path results = Path.of(output).toAbsolutePath().normalize();
      SweepManifest manifest = SweepManifests.planned(runId, results, checked.file(), configText, configSha,
          checkpoints, tasks, grid, finetune, cells(groups));
      return new SweepPlan(runId, results, checkpoints.all(), List.copyOf(tasks), groups, settings, manifest,
          checked.warnings());
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
        String name = checked.file().getFileName().toString().replaceFirst("\\.ya?ml$", "")
            .replaceAll("[^A-Za-z0-9_.-]", "_");
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

    private void checkKeep(SweepCheckpoints checkpoints, SweepCheckpoint checkpoint, List<Integer> keep) {
      if (!checkpoint.isMoe()) {
        return;
      }
      ModelConfig model = checkpoints.model(checkpoint);
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
      if (seeds.isEmpty() || seeds.stream().anyMatch(Objects::isNull)) {
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
  }
}

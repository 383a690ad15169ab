package org.emoflow.pipelines.sweep;

import java.nio.file.Path;
import java.util.List;
import org.emoflow.pipelines.cli.YamlConfig;

/**
 * A sweep config (YAML): the checkpoints, the tasks and the grid of selections to evaluate them under,
 * and where the results go. Unknown keys are refused by name; the values are checked against the
 * checkpoints and data by {@link SweepPlan}. See examples/sweep.yaml.
 *
 * @param data a prepared dataset for every checkpoint; by default each uses the one it was trained on
 * @param calibrationDocs positive numbers of documents, or "all"
 */
public record SweepConfig(
    String runId,
    String output,
    String data,
    List<String> checkpoints,
    List<Task> tasks,
    List<String> methods,
    List<Integer> keepExperts,
    List<Object> calibrationDocs,
    List<Long> seeds,
    List<Integer> finetuneSteps,
    Finetune finetune,
    Evaluation evaluation,
    Analysis analysis,
    Workers workers) {

  /**
   * One of {@code domain} (a domain of the prepared dataset), {@code multiple_choice} (a JSONL task file,
   * calibrated on the gold answers of {@code calibration}, by default the task file itself) or {@code
   * generative} (a JSONL file of prompts and answers, scored by exact match of what the model writes in at
   * most {@code max_new_tokens} tokens, up to {@code stop}; calibrated like multiple choice), or {@code
   * compose} (names of other tasks of the config: each selects at K, the union of their selections is kept
   * and evaluated on every member).
   */
  public record Task(String name, String domain, String multipleChoice, String calibration, String generative,
      Integer maxNewTokens, String stop, List<String> compose) {}

  /** A cell's fine-tune (finetune_steps above 0): peak learning rate and sequences per step. */
  public record Finetune(Double lr, Integer batchSize) {}

  /**
   * @param maxDocuments validation documents per LM task (0: all)
   * @param maxExamples examples per multiple-choice or generative task (0: all)
   */
  public record Evaluation(Integer batchSize, Integer maxDocuments, Integer maxExamples) {}

  /**
   * @param routingSequences validation sequences the routing table is measured on (0: all)
   * @param specialisationTokens tokens whose routing vectors are clustered, an equal share from every domain
   */
  public record Analysis(
      Boolean enabled, Integer routingSequences, Integer specialisationTokens, Integer clusters, Integer components) {}

  /** @param idleModels loaded models a worker JVM keeps between uses */
  public record Workers(Integer idleModels) {}

  public static SweepConfig load(Path file, String text) {
    return YamlConfig.parse(file, text, SweepConfig.class);
  }

  public List<String> methodsOrDefault() {
    return methods == null ? List.of("layerwise", "global", "frequency", "output", "random") : methods;
  }

  public List<Object> calibrationDocsOrDefault() {
    return calibrationDocs == null ? List.of(16) : calibrationDocs;
  }

  public List<Long> seedsOrDefault() {
    return seeds == null ? List.of(0L) : seeds;
  }

  /** 0 only: no fine-tune. */
  public List<Integer> finetuneStepsOrDefault() {
    return finetuneSteps == null ? List.of(0) : finetuneSteps;
  }

  public Finetune finetuneOrDefaults() {
    Finetune given = finetune == null ? new Finetune(null, null) : finetune;
    return new Finetune(given.lr() == null ? 3e-4 : given.lr(), orElse(given.batchSize(), 8));
  }

  public Evaluation evaluationOrDefaults() {
    Evaluation given = evaluation == null ? new Evaluation(null, null, null) : evaluation;
    return new Evaluation(orElse(given.batchSize(), 16), orElse(given.maxDocuments(), 0),
        orElse(given.maxExamples(), 0));
  }

  public Analysis analysisOrDefaults() {
    Analysis given = analysis == null ? new Analysis(null, null, null, null, null) : analysis;
    return new Analysis(given.enabled() == null || given.enabled(), orElse(given.routingSequences(), 0),
        orElse(given.specialisationTokens(), 20_000), orElse(given.clusters(), 32), orElse(given.components(), 32));
  }

  public int idleModels() {
    return workers == null || workers.idleModels() == null ? 2 : workers.idleModels();
  }

  private static int orElse(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}

package org.emoflow.pipelines.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.OptionNames;
import org.emoflow.pipelines.cli.YamlConfig;

/**
 * A run config (YAML): the corpus, the tokenizer, the prepare settings, the training variants and where
 * everything goes. Unknown keys are refused by name; {@code prepare} maps onto {@code ./emoflow prepare}'s
 * options and {@code training} onto {@code ./emoflow train}'s (snake_case or kebab-case, with those commands'
 * defaults), training shared by every variant and overridable per variant. See examples/quickstart.yaml.
 */
public record RunConfig(
    String runId,
    String output,
    Corpus corpus,
    Tokenizer tokenizer,
    Map<String, Object> prepare,
    Map<String, Object> training,
    List<Variant> variants,
    Stages stages,
    Evaluation evaluation) {

  /** Input files (globs), or the sample corpus fetched into RUN/corpus. */
  public record Corpus(
      List<String> inputs, Boolean sample, Long sampleBytesPerDomain, String textField, String idField,
      String domainField, Long maxDocumentBytes) {}

  /** A tiktoken encoding or tokenizer.json path ({@code name}), or a BPE trained on the corpus ({@code train}). */
  public record Tokenizer(String name, TrainedTokenizer train) {}

  public record TrainedTokenizer(Integer vocabSize, Integer minFrequency) {}

  /** One trained model: a router kind and optional training options of its own. */
  public record Variant(String name, String router, Map<String, Object> training) {}

  /**
   * How training processes run.
   *
   * @param maxParallel training processes a worker JVM runs at once
   * @param jvmOptions options of each training process's JVM
   */
  public record Stages(Integer maxParallel, List<String> jvmOptions) {}

  /** @param sequences validation sequences per evaluation (0: the whole split) */
  public record Evaluation(Integer sequences) {}

  static final List<Variant> DEFAULT_VARIANTS = List.of(
      new Variant("emo", "emo", Map.of()), new Variant("standard", "standard", Map.of()));

  /** Training options the run sets itself, per variant. */
  private static final Set<String> RESERVED_TRAINING = Set.of("data", "output", "router");

  public static RunConfig load(Path file, String text) {
    RunConfig config = YamlConfig.parse(file, text, RunConfig.class);
    config.check(file);
    return config;
  }

  public static String read(Path file) {
    return YamlConfig.read(file);
  }

  private void check(Path file) {
    if (output == null || output.isBlank()) {
      throw new InvalidOptionException(file + ": 'output' is required");
    }
    if (Files.exists(Path.of(output)) && !Files.isDirectory(Path.of(output))) {
      throw new InvalidOptionException(file + ": output " + output + " exists and is not a directory");
    }
    if (corpus == null) {
      throw new InvalidOptionException(file + ": 'corpus' is required (inputs, or sample: true)");
    }
    boolean hasInputs = corpus.inputs() != null && !corpus.inputs().isEmpty();
    if (hasInputs == Boolean.TRUE.equals(corpus.sample())) {
      throw new InvalidOptionException(file + ": corpus needs either 'inputs' or 'sample: true', not both or neither");
    }
    RunPrepare.options(file, this);
    if (tokenizer != null && (tokenizer.name() == null) == (tokenizer.train() == null)) {
      throw new InvalidOptionException(file + ": tokenizer needs either 'name' or 'train', not both or neither");
    }
    Set<String> names = new HashSet<>();
    for (Variant variant : variants()) {
      if (variant.name() == null || !variant.name().matches("[A-Za-z0-9_.-]+")) {
        throw new InvalidOptionException(file + ": variant name '" + variant.name()
            + "' must be letters, digits, '.', '_' or '-'");
      }
      if (!names.add(variant.name())) {
        throw new InvalidOptionException(file + ": two variants are named '" + variant.name() + "'");
      }
      if (variant.router() == null) {
        throw new InvalidOptionException(file + ": variant '" + variant.name() + "' has no router");
      }
      for (String key : trainingOptions(variant).keySet()) {
        if (RESERVED_TRAINING.contains(key)) {
          throw new InvalidOptionException(file + ": training option '" + key + "' is set by the run itself");
        }
      }
    }
  }

  public String id() {
    return runId != null ? runId : Path.of(output).getFileName().toString();
  }

  public List<Variant> variants() {
    return variants == null || variants.isEmpty() ? DEFAULT_VARIANTS : variants;
  }

  /** The shared training options with the variant's own on top, keys in kebab-case. */
  public static Map<String, Object> trainingOptions(RunConfig config, Variant variant) {
    Map<String, Object> options = new LinkedHashMap<>();
    if (config.training() != null) {
      config.training().forEach((key, value) -> options.put(kebab(key), value));
    }
    if (variant.training() != null) {
      variant.training().forEach((key, value) -> options.put(kebab(key), value));
    }
    return options;
  }

  private Map<String, Object> trainingOptions(Variant variant) {
    return trainingOptions(this, variant);
  }

  /** The key of a training map that sets this option property (written snake, kebab or camel case), or null. */
  static String keyFor(Map<String, Object> training, String property) {
    if (training == null) {
      return null;
    }
    return training.keySet().stream().filter(key -> OptionNames.toCamel(kebab(key)).equals(property))
        .findFirst().orElse(null);
  }

  private static String kebab(String key) {
    return key.replace('_', '-');
  }

  public int maxParallelStages() {
    return stages == null || stages.maxParallel() == null ? 1 : stages.maxParallel();
  }

  public List<String> jvmOptions() {
    return stages == null || stages.jvmOptions() == null ? List.of("-Xmx6g") : stages.jvmOptions();
  }

  public int evaluationSequences() {
    return evaluation == null || evaluation.sequences() == null ? 0 : evaluation.sequences();
  }
}

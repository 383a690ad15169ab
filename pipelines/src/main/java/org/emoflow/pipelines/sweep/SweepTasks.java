package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.GenerativeTask;
import org.emoflow.model.eval.InvalidTaskException;
import org.emoflow.model.eval.MultipleChoice;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.transforms.sweep.SweepCheckpoint;
import org.emoflow.transforms.sweep.SweepTask;

/**
 * A sweep config's tasks, checked against every checkpoint: a domain has validation documents (and training ones
 * where cells calibrate or fine-tune) in the checkpoint's data; a task file parses, is not empty, and every
 * scored example fits the model's rows in its tokens (a generative one's with room for max_new_tokens); a
 * composition names two or more distinct tasks of the config, none of them a composition.
 */
final class SweepTasks {
  /** A generative task's bounds on what the model writes, unless the task sets them. */
  static final int DEFAULT_MAX_NEW_TOKENS = 32;
  static final String DEFAULT_STOP = "\n\n";

  private final SweepConfigFile config;
  private final SweepCheckpoints checkpoints;
  private final boolean calibrates;
  private final boolean finetunes;
  private final int maxExamples;

  private SweepTasks(SweepConfigFile config, SweepCheckpoints checkpoints, boolean calibrates, boolean finetunes,
      int maxExamples) {
    this.config = config;
    this.checkpoints = checkpoints;
    this.calibrates = calibrates;
    this.finetunes = finetunes;
    this.maxExamples = maxExamples;
  }

  /**
   * @param calibrates whether the grid has calibrated cells (their data is checked too)
   * @param finetunes whether the grid fine-tunes (a domain then needs training documents)
   * @param maxExamples the examples a task file is evaluated on (0: all)
   */
  static List<SweepTask> check(SweepConfigFile config, List<SweepConfig.Task> entries, SweepCheckpoints checkpoints,
      boolean calibrates, boolean finetunes, int maxExamples) throws IOException {
    if (entries == null || entries.isEmpty()) {
      throw config.refuse("tasks", "required: a domain of the prepared data ({domain: NAME}), a multiple-choice file"
          + " ({multiple_choice: FILE.jsonl}) or a generative one ({generative: FILE.jsonl})");
    }
    SweepTasks checker = new SweepTasks(config, checkpoints, calibrates, finetunes, maxExamples);
    List<SweepTask> tasks = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      SweepConfig.Task entry = entries.get(i);
      String key = "tasks[" + i + "]";
      long kinds = entry == null ? 0
          : Stream.of(entry.domain(), entry.multipleChoice(), entry.generative(), entry.compose())
              .filter(Objects::nonNull).count();
      if (kinds != 1) {
        throw config.refuse(key, "needs one of 'domain', 'multiple_choice', 'generative' or 'compose'");
      }
      if (entry.compose() != null) {
        if (entry.name() == null || !names.add(entry.name())) {
          throw config.refuse(key, "a composition needs a 'name' of its own, not used by another task");
        }
        tasks.add(null); // composed below, once every task it may name is known
        continue;
      }
      tasks.add(checker.task(key, entry, names));
    }
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).compose() != null) {
        tasks.set(i, checker.composition("tasks[" + i + "] '" + entries.get(i).name() + "'", entries.get(i), tasks));
      }
    }
    return tasks;
  }

  private SweepTask task(String key, SweepConfig.Task entry, Set<String> names) throws IOException {
    if (entry.domain() != null && entry.calibration() != null) {
      throw config.refuse(key, "'calibration' is for task files; a domain calibrates on its training documents");
    }
    if (entry.generative() == null && (entry.maxNewTokens() != null || entry.stop() != null)) {
      throw config.refuse(key, "'max_new_tokens' and 'stop' are for generative tasks");
    }
    String file = entry.multipleChoice() != null ? entry.multipleChoice() : entry.generative();
    String name = entry.name() != null ? entry.name() : entry.domain() != null ? entry.domain()
        : Path.of(file).getFileName().toString().replaceFirst("\\.jsonl$", "");
    if (name.isBlank() || !names.add(name)) {
      throw config.refuse(key, "task name '" + name + "' is empty or used twice (set 'name')");
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
        throw config.refuse(key + ": max_new_tokens", "must be positive, got " + maxNewTokens);
      }
      task = SweepTask.generative(name, absolute(file), calibration, maxNewTokens,
          entry.stop() == null ? DEFAULT_STOP : entry.stop());
    }
    for (SweepCheckpoint checkpoint : checkpoints.all()) {
      if (task.isLanguageModelling()) {
        checkDomain(key, task, checkpoint, (calibrates || finetunes) && checkpoint.isMoe());
      } else {
        checkExamples(key, task, checkpoint, calibrates && checkpoint.isMoe());
      }
    }
    return task;
  }

  private SweepTask composition(String key, SweepConfig.Task entry, List<SweepTask> tasks) {
    if (entry.calibration() != null || entry.maxNewTokens() != null || entry.stop() != null) {
      throw config.refuse(key, "a composition takes 'name' and 'compose' only (its members calibrate as they do"
          + " alone)");
    }
    List<SweepTask> members = new ArrayList<>();
    for (String member : entry.compose()) {
      SweepTask task = tasks.stream().filter(t -> t != null && t.name().equals(member)).findFirst().orElse(null);
      if (task == null) {
        throw config.refuse(key + ": compose", "'" + member + "' is not a task of this config (compositions cannot"
            + " be members)");
      }
      if (members.contains(task)) {
        throw config.refuse(key + ": compose", "'" + member + "' is listed twice");
      }
      members.add(task);
    }
    if (members.size() < 2) {
      throw config.refuse(key + ": compose", "needs at least two member tasks");
    }
    return SweepTask.compose(entry.name(), members);
  }

  private static String absolute(String path) {
    return Path.of(path).toAbsolutePath().normalize().toString();
  }

  private void checkDomain(String key, SweepTask task, SweepCheckpoint checkpoint, boolean needsTraining) {
    PreparedDataset data = checkpoints.data(checkpoint);
    if (!data.validationDomains().contains(task.domain())) {
      throw config.refuse(key, "domain '" + task.domain() + "' has no validation documents in " + data.root()
          + " (the data of checkpoint '" + checkpoint.name() + "'; domains with some: " + data.validationDomains()
          + ")");
    }
    if (needsTraining && !data.trainDomains().contains(task.domain())) {
      throw config.refuse(key, "domain '" + task.domain() + "' has no training documents in " + data.root()
          + " to calibrate the selection on (checkpoint '" + checkpoint.name() + "')");
    }
  }

  private void checkExamples(String key, SweepTask task, SweepCheckpoint checkpoint, boolean calibrated)
      throws IOException {
    ModelConfig model = checkpoints.model(checkpoint);
    List<String> files = calibrated && !task.calibrationFile().equals(task.file())
        ? List.of(task.file(), task.calibrationFile()) : List.of(task.file());
    try (TextTokenizer tokenizer = checkpoints.data(checkpoint).openTokenizer()) {
      for (String path : files) {
        int limit = path.equals(task.file()) ? maxExamples : 0;
        try {
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
          throw config.refuse(key, e.getMessage());
        } catch (IOException e) {
          throw config.refuse(key, "cannot read " + path + " (" + e + ")");
        } catch (IllegalArgumentException e) {
          throw config.refuse(key, path + " in the tokens of checkpoint '" + checkpoint.name() + "': "
              + e.getMessage());
        }
      }
    }
  }

  private void requireExamples(String key, String path, List<?> examples) {
    if (examples.isEmpty()) {
      throw config.refuse(key, path + " holds no examples");
    }
  }
}

package org.emoflow.transforms.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * What a cell is evaluated on: a domain of the checkpoint's prepared dataset (calibration documents from
 * its train split, evaluation on its validation split), a multiple-choice JSONL file (calibration on the
 * gold answers of {@code calibrationFile}, evaluation on {@code file}), or a generative JSONL file (the same,
 * with prompt + answer for calibration; {@code maxNewTokens} and {@code stop} bound what the model writes),
 * or a composition of other tasks ({@code members}): they share the union of their selections and each is
 * evaluated on it.
 */
public record SweepTask(String name, String kind, String domain, String file, String calibrationFile,
    int maxNewTokens, String stop, List<SweepTask> members) implements Serializable {
  public static final String LM = "lm";
  public static final String MULTIPLE_CHOICE = "multiple_choice";
  public static final String GENERATIVE = "generative";
  public static final String COMPOSE = "compose";

  public static SweepTask domain(String name, String domain) {
    return new SweepTask(name, LM, domain, null, null, 0, null, null);
  }

  public static SweepTask multipleChoice(String name, String file, String calibrationFile) {
    return new SweepTask(name, MULTIPLE_CHOICE, null, file, calibrationFile, 0, null, null);
  }

  /** @param stop "" for none */
  public static SweepTask generative(String name, String file, String calibrationFile, int maxNewTokens, String stop) {
    return new SweepTask(name, GENERATIVE, null, file, calibrationFile, maxNewTokens, stop, null);
  }

  /** @param members at least two tasks, none of them a composition */
  public static SweepTask compose(String name, List<SweepTask> members) {
    return new SweepTask(name, COMPOSE, null, null, null, 0, null, List.copyOf(members));
  }

  public boolean isComposition() {
    return kind.equals(COMPOSE);
  }

  /** The domains a fine-tune trains on; empty unless the task (every member of a composition) is a domain. */
  public List<String> trainingDomains() {
    List<SweepTask> tasks = isComposition() ? members : List.of(this);
    return tasks.stream().allMatch(SweepTask::isLanguageModelling)
        ? tasks.stream().map(SweepTask::domain).toList() : List.of();
  }

  public boolean isLanguageModelling() {
    return kind.equals(LM);
  }

  public boolean isGenerative() {
    return kind.equals(GENERATIVE);
  }
}

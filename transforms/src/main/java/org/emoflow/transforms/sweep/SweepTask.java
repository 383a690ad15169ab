package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * What a cell is evaluated on: a domain of the checkpoint's prepared dataset (calibration documents from
 * its train split, evaluation on its validation split), a multiple-choice JSONL file (calibration on the
 * gold answers of {@code calibrationFile}, evaluation on {@code file}), or a generative JSONL file (the same,
 * with prompt + answer for calibration; {@code maxNewTokens} and {@code stop} bound what the model writes).
 */
public record SweepTask(String name, String kind, String domain, String file, String calibrationFile,
    int maxNewTokens, String stop) implements Serializable {
  public static final String LM = "lm";
  public static final String MULTIPLE_CHOICE = "multiple_choice";
  public static final String GENERATIVE = "generative";

  public static SweepTask domain(String name, String domain) {
    return new SweepTask(name, LM, domain, null, null, 0, null);
  }

  public static SweepTask multipleChoice(String name, String file, String calibrationFile) {
    return new SweepTask(name, MULTIPLE_CHOICE, null, file, calibrationFile, 0, null);
  }

  /** @param stop "" for none */
  public static SweepTask generative(String name, String file, String calibrationFile, int maxNewTokens, String stop) {
    return new SweepTask(name, GENERATIVE, null, file, calibrationFile, maxNewTokens, stop);
  }

  public boolean isLanguageModelling() {
    return kind.equals(LM);
  }

  public boolean isGenerative() {
    return kind.equals(GENERATIVE);
  }
}

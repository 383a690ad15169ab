package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * What a cell is evaluated on: a domain of the checkpoint's prepared dataset (calibration documents from
 * its train split, evaluation on its validation split), or a multiple-choice JSONL file (calibration on
 * the gold answers of {@code calibrationFile}, evaluation on {@code file}).
 */
public record SweepTask(String name, String kind, String domain, String file, String calibrationFile)
    implements Serializable {
  public static final String LM = "lm";
  public static final String MULTIPLE_CHOICE = "multiple_choice";

  public static SweepTask domain(String name, String domain) {
    return new SweepTask(name, LM, domain, null, null);
  }

  public static SweepTask multipleChoice(String name, String file, String calibrationFile) {
    return new SweepTask(name, MULTIPLE_CHOICE, null, file, calibrationFile);
  }

  public boolean isLanguageModelling() {
    return kind.equals(LM);
  }
}

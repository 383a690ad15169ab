package org.emoflow.transforms.run;

import java.io.Serializable;
import java.util.List;

/**
 * One training stage: the command that runs it in its own JVM, its output directory and log file.
 *
 * @param command the child process's full argument vector (java, JVM options, class path, main class,
 *     {@code train} and its options)
 * @param maxParallelStages how many training processes a worker JVM may run at once
 */
public record TrainingJob(
    String variant, String router, List<String> command, String outputDir, String logFile, int steps,
    int maxParallelStages)
    implements Serializable {

  public String stageName() {
    return "train:" + variant;
  }
}

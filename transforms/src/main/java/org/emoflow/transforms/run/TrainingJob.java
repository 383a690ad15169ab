package org.emoflow.transforms.run;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One training stage: what runs it in its own JVM, its output directory and log file.
 *
 * @param jvmOptions options for the child JVM (memory, system properties)
 * @param mainClass the entry point of the child, on the worker's class path
 * @param arguments the entry point's arguments ({@code train} and its options)
 * @param maxParallelStages how many training processes a worker JVM may run at once
 */
public record TrainingJob(
    String variant, String router, List<String> jvmOptions, String mainClass, List<String> arguments,
    String outputDir, String logFile, int steps, int maxParallelStages)
    implements Serializable {

  /**
   * The child's full argument vector, from the java and class path of the JVM that calls this: on a
   * cluster that is the worker's, which need not match the client's that built the pipeline.
   */
  public List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    command.add(ChildClasspath.current());
    command.add(mainClass);
    command.addAll(arguments);
    return command;
  }

  public String stageName() {
    return "train:" + variant;
  }
}

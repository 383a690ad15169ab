package org.emoflow.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Why a job on a Flink cluster failed, in one line. What reaches the client is the failure that ended the
 * job, wrapped several times; after restarts, or when a TaskManager died, it is often only "The TaskExecutor
 * is shutting down" or a slot timeout. The JobManager keeps every failure of the job (REST:
 * /jobs/ID/exceptions), with the task and the TaskManager it happened on: the one that says most is reported.
 */
public final class FlinkJobFailures {
  private static final Pattern JOB_ID = Pattern.compile("JobID: ([0-9a-f]{32})");
  private static final Pattern DIRECT_MEMORY =
      Pattern.compile("Cannot reserve \\d+ bytes of direct buffer memory \\(allocated: \\d+, limit: \\d+\\)");
  private static final Pattern CAUSE = Pattern.compile("^(?:Caused by: )?([\\w$.]+(?:Exception|Error)[\\w$]*)(?:: (.*))?$");
  /** Exceptions that only carry another one to the client; their own message says nothing of the cause. */
  private static final List<String> WRAPPERS = List.of("ProgramInvocationException", "JobExecutionException",
      "JobException", "CompletionException", "ExecutionException", "UserCodeException",
      "ExceptionInChainedStubException", "PipelineExecutionException", "RuntimeException", "TimeoutException");
  /** How a TaskManager that went away shows in the failures it caused. */
  private static final List<String> LOST_TASKMANAGER = List.of("The TaskExecutor is shutting down",
      "is no longer reachable", "TaskManager was lost", "Lost connection to task manager", "heartbeat");
  /** How its peers saw it go: they name its address, not its id. */
  private static final List<String> LOST_PEER = List.of("Connection unexpectedly closed by remote task manager",
      "Error at remote task manager", "PartitionNotFoundException", "Connection refused");

  private FlinkJobFailures() {}

  /** One failure as the JobManager recorded it. */
  record Failure(String stacktrace, String taskManager, long timestamp) {
    /** Higher says more: running out of memory, any other cause, a lost TaskManager, a peer of one. */
    int weight() {
      if (stacktrace.contains("OutOfMemoryError")) {
        return 4;
      }
      if (LOST_TASKMANAGER.stream().anyMatch(stacktrace::contains)) {
        return 2;
      }
      return LOST_PEER.stream().anyMatch(stacktrace::contains) ? 1 : 3;
    }
  }

  /** The line to report for a failed job, or empty when the failure did not come from a Flink cluster. */
  public static Optional<String> describe(Throwable failure, PipelineOptions options) {
    Optional<String> master = FlinkMaster.of(options);
    String jobId = jobId(failure);
    if (master.isEmpty() || jobId == null) {
      return Optional.empty();
    }
    List<Failure> failures = new ArrayList<>(recorded(master.get(), jobId));
    failures.add(new Failure(stackOf(failure), null, Long.MAX_VALUE));
    return Optional.of("Flink job " + jobId + " failed: " + summary(mostTelling(failures)));
  }

  /**
   * The most telling failure the JobManager at {@code master} recorded for a job (one that ended it, or one
   * it recovered from), or empty when it recorded none or does not answer.
   */
  public static Optional<String> recordedCause(String master, String jobId) {
    List<Failure> failures = recorded(master, jobId);
    return failures.isEmpty() ? Optional.empty() : Optional.of(summary(mostTelling(failures)));
  }

  private static Failure mostTelling(List<Failure> failures) {
    return failures.stream()
        .max(Comparator.comparingInt(Failure::weight).thenComparing(Failure::timestamp, Comparator.reverseOrder()))
        .orElseThrow();
  }

  private static List<Failure> recorded(String master, String jobId) {
    try {
      return recorded(FlinkMaster.get(master, "/jobs/" + jobId + "/exceptions?maxExceptions=20"));
    } catch (IOException | RuntimeException unreachable) {
      // The client's own exception is all there is.
      return List.of();
    }
  }

  /** Every failure of the job in a /jobs/ID/exceptions answer: each restart's cause and those beside it. */
  static List<Failure> recorded(JsonNode exceptions) {
    List<Failure> failures = new ArrayList<>();
    for (JsonNode entry : exceptions.path("exceptionHistory").path("entries")) {
      failures.add(failure(entry));
      for (JsonNode concurrent : entry.path("concurrentExceptions")) {
        failures.add(failure(concurrent));
      }
    }
    return failures;
  }

  private static Failure failure(JsonNode exception) {
    String taskManager = exception.path("taskManagerId").asText(null);
    String endpoint = exception.path("endpoint").asText(exception.path("location").asText(null));
    if (taskManager != null && endpoint != null) {
      taskManager += " (" + endpoint + ")";
    }
    return new Failure(exception.path("stacktrace").asText(""), taskManager, exception.path("timestamp").asLong());
  }

  static String summary(Failure failure) {
    String where = failure.taskManager() == null ? "" : " on TaskManager " + failure.taskManager();
    Matcher direct = DIRECT_MEMORY.matcher(failure.stacktrace());
    if (direct.find()) {
      return "out of Java direct memory" + where + ": " + direct.group()
          + "; raise taskmanager.memory.task.off-heap.size (see infra/flink/README.md, Memory)";
    }
    String cause = innermostCause(failure.stacktrace());
    String why = ": its own log says why it went (killed, or exited after a fatal error such as an OutOfMemoryError)";
    if (failure.weight() == 2) {
      String which = failure.taskManager() == null ? "a TaskManager" : "TaskManager " + failure.taskManager();
      return which + " was lost (" + cause + ")" + why;
    }
    if (failure.weight() == 1) {
      String seen = failure.taskManager() == null ? "" : ", seen from " + failure.taskManager();
      return "a TaskManager was lost (" + cause + seen + ")" + why;
    }
    return cause + where;
  }

  /** The deepest "Class: message" of a stack trace that is not a mere wrapper, as "SimpleName: message". */
  static String innermostCause(String stacktrace) {
    String innermost = null;
    String fallback = null;
    for (String line : stacktrace.split("\\R")) {
      Matcher cause = CAUSE.matcher(line.strip());
      if (line.startsWith("\t") || !cause.matches()) {
        continue;
      }
      String className = cause.group(1).substring(cause.group(1).lastIndexOf('.') + 1);
      String text = className + (cause.group(2) == null ? "" : ": " + cause.group(2));
      fallback = text;
      if (!WRAPPERS.contains(className)) {
        innermost = text;
      }
    }
    return innermost != null ? innermost : fallback != null ? fallback : "no exception recorded";
  }

  private static String jobId(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      Matcher id = JOB_ID.matcher(String.valueOf(cause.getMessage()));
      if (id.find()) {
        return id.group(1);
      }
      if (cause instanceof org.apache.flink.runtime.client.JobExecutionException execution
          && execution.getJobID() != null) {
        return execution.getJobID().toString();
      }
    }
    return null;
  }

  private static String stackOf(Throwable failure) {
    java.io.StringWriter text = new java.io.StringWriter();
    failure.printStackTrace(new java.io.PrintWriter(text));
    return text.toString();
  }
}

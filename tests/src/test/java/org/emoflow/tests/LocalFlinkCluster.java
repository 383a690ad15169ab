package org.emoflow.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Flink session cluster on 127.0.0.1, run by infra/flink/local-cluster.sh exactly as a user would (free ports,
 * its own state directory); {@link #close} ends every process the script started, by PID.
 */
final class LocalFlinkCluster implements AutoCloseable {
  /** Jars the cluster's own class path carries: Flink (always parent-first) and DJL (parent-first by config). */
  private static final List<String> ON_THE_CLUSTER = List.of("/org/apache/flink/", "/ai/djl/", "/net/java/dev/jna/");
  /** Jars the job does not use on the workers: the test framework and DuckDB (query and report only). */
  private static final List<String> NOT_FOR_WORKERS = List.of("/org/junit/", "/org/opentest4j/", "/org/hamcrest/",
      "/org/apiguardian/", "/org/duckdb/", "/test-classes");

  private final Path script;
  private final Map<String, String> environment;
  private final int restPort;
  /** Stops the cluster if this JVM ends without {@link #close} (a test run interrupted or timed out). */
  private final Thread stopAtExit = new Thread(this::stopQuietly, "stop-local-flink-cluster");

  private LocalFlinkCluster(Path script, Map<String, String> environment, int restPort) {
    this.script = script;
    this.environment = environment;
    this.restPort = restPort;
  }

  /**
   * Starts a JobManager and {@code taskManagers} TaskManagers of one slot each.
   *
   * @param properties flink-conf.yaml lines added to the script's own
   */
  static LocalFlinkCluster start(Path state, int taskManagers, String properties) throws IOException, InterruptedException {
    Path repository = Path.of("").toAbsolutePath().getParent();
    Path script = repository.resolve("infra/flink/local-cluster.sh");
    int restPort = freePort();
    Map<String, String> environment = Map.of(
        "EMOFLOW_CLUSTER_DIR", state.toString(),
        "FLINK_REST_PORT", Integer.toString(restPort),
        "FLINK_RPC_PORT", Integer.toString(freePort()),
        "TASKMANAGERS", Integer.toString(taskManagers),
        "TASK_SLOTS", "1",
        "TASKMANAGER_MEMORY", "1536m",
        "TASK_OFF_HEAP", "256m",
        "FLINK_PROPERTIES", properties);
    LocalFlinkCluster cluster = new LocalFlinkCluster(script, environment, restPort);
    Runtime.getRuntime().addShutdownHook(cluster.stopAtExit);
    try {
      cluster.script("start");
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  String master() {
    return "127.0.0.1:" + restPort;
  }

  /** Runs the script with this cluster's settings; its output when it succeeds. */
  String script(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(Arrays.asList(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IOException("local-cluster.sh " + String.join(" ", arguments) + " did not finish: " + output);
    }
    if (process.exitValue() != 0) {
      throw new IOException("local-cluster.sh " + String.join(" ", arguments) + " failed (" + process.exitValue()
          + "): " + output + "\n" + logs());
    }
    return output;
  }

  /** The tail of every log of the cluster, for a failure message. */
  String logs() throws IOException {
    Path logs = Path.of(environment.get("EMOFLOW_CLUSTER_DIR"), "log");
    if (!Files.isDirectory(logs)) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    try (var files = Files.list(logs)) {
      for (Path log : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        text.append("== ").append(log.getFileName()).append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))).append('\n');
      }
    }
    return text.toString();
  }

  JsonNode rest(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + master() + path))
        .timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return new ObjectMapper().readTree(response.body());
  }

  /**
   * What a job submitted from this JVM must stage: its class path without what the cluster already has. The
   * emoflow and Beam classes travel with the job, in its own class loader, as they would in the emoflow jar.
   */
  static String filesToStage() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> ON_THE_CLUSTER.stream().noneMatch(entry::contains))
        .filter(entry -> NOT_FOR_WORKERS.stream().noneMatch(entry::contains))
        .filter(entry -> Files.exists(Path.of(entry)))
        .collect(Collectors.joining(","));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      script("stop");
    } finally {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    }
  }

  private void stopQuietly() {
    try {
      script("stop");
    } catch (IOException | InterruptedException e) {
      System.err.println("could not stop the local Flink cluster: " + e.getMessage());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

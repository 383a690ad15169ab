package org.emoflow.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** The Flink session cluster a job is submitted to (--flinkMaster=host:port), and its JobManager's REST API. */
final class FlinkMaster {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private FlinkMaster() {}

  /** host:port of the REST API, or empty when the job does not go to a cluster ([local], [auto], other runners). */
  static Optional<String> of(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().equals("FlinkRunner")) {
      return Optional.empty();
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    if (master == null || master.isBlank() || master.startsWith("[")) {
      return Optional.empty();
    }
    return Optional.of(master.replaceFirst("^https?://", "").replaceFirst("/+$", ""));
  }

  static JsonNode get(String master, String path) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + master + path)).timeout(TIMEOUT).GET().build();
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()
          .send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + path + " on " + master + ": HTTP " + response.statusCode());
      }
      return new ObjectMapper().readTree(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + master + " for " + path, e);
    }
  }
}

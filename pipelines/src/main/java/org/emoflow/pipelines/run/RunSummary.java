package org.emoflow.pipelines.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.transforms.run.StageResult;
import org.emoflow.transforms.run.WriteRunManifest;

/** The end of a run on the console: stages, the validation table per variant and domain, where things are. */
final class RunSummary {
  private RunSummary() {}

  static int print(Path root, Duration elapsed, PrintStream out) throws IOException {
    JsonNode manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
    boolean allReused = true;
    out.println();
    for (JsonNode stage : manifest.path("stages")) {
      String status = stage.path("status").asText();
      allReused &= status.equals(StageResult.REUSED);
      String reason = stage.path("reason").isNull() ? "" : "  (" + stage.path("reason").asText() + ")";
      out.printf("  %-22s %-7s %8.1f s%s%n", stage.path("name").asText(), status, stage.path("seconds").asDouble(),
          reason);
    }
    Map<String, Map<String, String>> table = new TreeMap<>();
    TreeSet<String> variants = new TreeSet<>();
    for (JsonNode row : manifest.path("validation")) {
      variants.add(row.path("variant").asText());
      table.computeIfAbsent(row.path("domain").asText(), d -> new TreeMap<>()).put(row.path("variant").asText(),
          String.format("%.3f (%.3f)", row.path("loss").asDouble(), row.path("bits_per_byte").asDouble()));
    }
    if (!table.isEmpty()) {
      out.println();
      out.println("validation loss in nats/token (bits/byte):");
      StringBuilder header = new StringBuilder(String.format("  %-14s", "domain"));
      variants.forEach(v -> header.append(String.format(" %18s", v)));
      out.println(header);
      table.forEach((domain, byVariant) -> {
        StringBuilder line = new StringBuilder(String.format("  %-14s", domain));
        variants.forEach(v -> line.append(String.format(" %18s", byVariant.getOrDefault(v, "-"))));
        out.println(line);
      });
    }
    out.println();
    String status = manifest.path("status").asText();
    out.printf("run %s: %s in %ds%s%n", manifest.path("run_id").asText(), status, elapsed.toSeconds(),
        allReused ? "; nothing to do: every stage reused earlier results" : "");
    out.println("  manifest:   " + root.resolve("manifest.json"));
    out.println("  validation: " + root.resolve("validation.parquet"));
    out.println("  models:     " + root.resolve("variants"));
    out.println("  logs:       " + root.resolve("logs"));
    return status.equals(WriteRunManifest.SUCCEEDED) ? ExitCodes.OK : ExitCodes.FAILED;
  }
}

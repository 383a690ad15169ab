package org.emoflow.pipelines.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.schemas.SweepResult;

/**
 * The routed experts a model is restricted to, per layer: from a JSON file ({@code --kept}) or from the
 * {@code kept_experts} table of a sweep ({@code --keep-from}). Checked against the model before it loads.
 */
final class ExpertSubsets {
  /** The JSON key holding the kept routed ids per layer; a pruned checkpoint's pruning.json has it too. */
  static final String KEY = "kept_routed_experts";

  /** @param description where the choice came from, for the log */
  record Subset(int[][] kept, String description) {}

  private ExpertSubsets() {}

  /** {@code {"kept_routed_experts": [[ids of layer 0], [ids of layer 1], ...]}}; other keys are ignored. */
  static Subset fromJson(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw InvalidOptionException.of("kept", file + " is not a file");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw InvalidOptionException.of("kept", file + " is not JSON (" + e.getMessage().split("\\R", 2)[0] + ")");
    }
    JsonNode layers = root == null ? null : root.path(KEY);
    if (layers == null || !layers.isArray()) {
      throw InvalidOptionException.of("kept", file + ": expected {\"" + KEY + "\": [[ids of layer 0], ...]}");
    }
    int[][] kept = new int[layers.size()][];
    for (int layer = 0; layer < kept.length; layer++) {
      JsonNode ids = layers.get(layer);
      if (!ids.isArray() || !Stream.of(toArray(ids)).allMatch(JsonNode::canConvertToInt)
          || !Stream.of(toArray(ids)).allMatch(JsonNode::isIntegralNumber)) {
        throw InvalidOptionException.of("kept", file + ": " + KEY + "[" + layer + "] must be a list of expert ids");
      }
      kept[layer] = Stream.of(toArray(ids)).mapToInt(JsonNode::asInt).toArray();
    }
    return new Subset(kept, file.toString());
  }

  private static JsonNode[] toArray(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items.toArray(JsonNode[]::new);
  }

  /**
   * The experts cell {@code cellId} kept, from RESULTS/kept_experts/run_id=R/. A cell id names the same
   * coordinates in every run, so a cell found in several runs needs {@code runId}.
   */
  static Subset fromSweep(Path results, String cellId, String runId) throws IOException {
    Path table = results.resolve("kept_experts");
    if (!Files.isDirectory(table)) {
      throw InvalidOptionException.of("results", results + " has no kept_experts table (not a sweep's results)");
    }
    Map<String, Map<Integer, int[]>> byRun = new TreeMap<>();
    try (Stream<Path> partitions = Files.list(table)) {
      for (Path partition : partitions.filter(p -> p.getFileName().toString().startsWith("run_id=")).toList()) {
        String run = partition.getFileName().toString().substring("run_id=".length());
        if (runId != null && !runId.equals(run)) {
          continue;
        }
        for (Path file : ParquetFiles.list(partition)) {
          for (org.emoflow.schemas.KeptExperts row : ParquetFiles.<org.emoflow.schemas.KeptExperts>readAll(file)) {
            if (row.getCellId().equals(cellId)) {
              byRun.computeIfAbsent(run, r -> new TreeMap<>()).put(row.getLayer(),
                  row.getExpertIds().stream().mapToInt(Integer::intValue).toArray());
            }
          }
        }
      }
    }
    if (byRun.isEmpty()) {
      throw InvalidOptionException.of("keepFrom", "no kept experts of cell " + cellId + " in " + table
          + (runId == null ? "" : " (run " + runId + ")") + ": unknown cell, a failed one, or a full-model cell,"
          + " which keeps every expert");
    }
    if (byRun.size() > 1) {
      throw InvalidOptionException.of("keepFrom", "cell " + cellId + " is in runs " + byRun.keySet()
          + ": choose one with --run-id");
    }
    String run = byRun.keySet().iterator().next();
    Map<Integer, int[]> layers = byRun.get(run);
    int[][] kept = new int[layers.size()][];
    for (Map.Entry<Integer, int[]> layer : layers.entrySet()) {
      if (layer.getKey() < 0 || layer.getKey() >= kept.length) {
        throw InvalidOptionException.of("keepFrom", "cell " + cellId + " of run " + run + " lacks some layers: "
            + layers.keySet());
      }
      kept[layer.getKey()] = layer.getValue();
    }
    return new Subset(kept, "sweep cell " + cellId + " of run " + run + describeCell(results, run, cellId));
  }

  /** " (checkpoint, task, method, K)" from the cell's row of the sweep table, when it can be read. */
  private static String describeCell(Path results, String run, String cellId) throws IOException {
    for (Path file : ParquetFiles.list(results.resolve("sweep").resolve("run_id=" + run))) {
      for (SweepResult row : ParquetFiles.<SweepResult>readAll(file)) {
        if (row.getCellId().equals(cellId)) {
          return " (" + row.getCheckpoint() + ", task " + row.getTask() + ", " + row.getMethod() + ", K = "
              + row.getKeepExperts() + ")";
        }
      }
    }
    return "";
  }

  /**
   * The restriction, once every layer is found to keep distinct routed ids of this model, at least top_k
   * of them.
   */
  static ExpertRestriction restriction(Subset source, ModelConfig config, String option) {
    if (!config.router().isMoe()) {
      throw InvalidOptionException.of(option, "the checkpoint is a dense model: it has no experts to restrict");
    }
    if (source.kept().length != config.layers()) {
      throw InvalidOptionException.of(option, source.description() + " covers " + source.kept().length
          + " layers; the model has " + config.layers());
    }
    int[][] sorted = new int[config.layers()][];
    for (int layer = 0; layer < sorted.length; layer++) {
      int[] ids = source.kept()[layer].clone();
      Arrays.sort(ids);
      boolean valid = ids.length >= config.topK() && Arrays.stream(ids).allMatch(id -> id >= 0
          && id < config.routedExperts()) && Arrays.stream(ids).distinct().count() == ids.length;
      if (!valid) {
        throw InvalidOptionException.of(option, source.description() + ": layer " + layer + " keeps "
            + Arrays.toString(source.kept()[layer]) + "; expected at least top_k = " + config.topK()
            + " distinct routed expert ids from 0 to " + (config.routedExperts() - 1));
      }
      sorted[layer] = ids;
    }
    return new ExpertRestriction(sorted);
  }
}

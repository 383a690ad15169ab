package org.emoflow.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a model directory by name: one {@value #SINGLE}, or the shards that {@value #INDEX}
 * lists ({@code weight_map}: tensor name to file name). Every shard's header is read and checked when the
 * directory is opened; tensor data is mapped on demand.
 */
public final class TensorFiles implements AutoCloseable {
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private final Path directory;
  private final List<Safetensors.Reader> readers = new ArrayList<>();
  private final Map<String, Safetensors.Reader> byTensor = new LinkedHashMap<>();

  private TensorFiles(Path directory) {
    this.directory = directory;
  }

  public static boolean present(Path directory) {
    return Files.isRegularFile(directory.resolve(INDEX)) || Files.isRegularFile(directory.resolve(SINGLE));
  }

  public static TensorFiles open(Path directory) throws IOException {
    TensorFiles files = new TensorFiles(directory);
    try {
      if (Files.isRegularFile(directory.resolve(INDEX))) {
        files.openShards();
      } else if (Files.isRegularFile(directory.resolve(SINGLE))) {
        Safetensors.Reader reader = files.add(directory.resolve(SINGLE));
        reader.names().forEach(name -> files.byTensor.put(name, reader));
      } else {
        throw new CorruptCheckpointException(directory + " holds neither " + SINGLE + " nor " + INDEX);
      }
      return files;
    } catch (IOException | RuntimeException e) {
      files.close();
      throw e;
    }
  }

  private void openShards() throws IOException {
    Path index = directory.resolve(INDEX);
    JsonNode weightMap;
    try {
      weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw new CorruptCheckpointException(index + ": unreadable (" + e.getMessage() + ")");
    }
    if (!weightMap.isObject() || weightMap.isEmpty()) {
      throw new CorruptCheckpointException(index + " has no weight_map naming the tensors' files");
    }
    Map<String, List<String>> tensorsOfShard = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      tensorsOfShard.computeIfAbsent(entry.getValue().asText(), shard -> new ArrayList<>()).add(entry.getKey());
    }
    for (Map.Entry<String, List<String>> shard : tensorsOfShard.entrySet()) {
      Path file = directory.resolve(shard.getKey()).normalize();
      List<String> tensors = shard.getValue();
      if (!file.startsWith(directory.normalize()) || !Files.isRegularFile(file)) {
        throw new CorruptCheckpointException(file + " is missing: " + INDEX + " names it for " + tensors.get(0)
            + (tensors.size() > 1 ? " and " + (tensors.size() - 1) + " more tensors" : ""));
      }
      Safetensors.Reader reader = add(file);
      for (String tensor : tensors) {
        if (!reader.contains(tensor)) {
          throw new CorruptCheckpointException(INDEX + " in " + directory + " names tensor " + tensor + " in "
              + shard.getKey() + ", which does not hold it");
        }
        byTensor.put(tensor, reader);
      }
    }
  }

  private Safetensors.Reader add(Path file) throws IOException {
    Safetensors.Reader reader = Safetensors.open(file);
    readers.add(reader);
    return reader;
  }

  public Set<String> names() {
    return byTensor.keySet();
  }

  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  public long[] shape(String name) throws CorruptCheckpointException {
    return reader(name).shape(name);
  }

  public Safetensors.DType dtype(String name) throws CorruptCheckpointException {
    return reader(name).dtype(name);
  }

  /** Float32, in memory the engine owns; see {@link Safetensors.Reader#tensor}. */
  public NDArray tensor(String name, NDManager manager) throws IOException {
    return reader(name).tensor(name, manager);
  }

  /** The files that hold the tensors, in the order they were opened. */
  public List<Path> files() {
    return readers.stream().map(Safetensors.Reader::path).toList();
  }

  private Safetensors.Reader reader(String name) throws CorruptCheckpointException {
    Safetensors.Reader reader = byTensor.get(name);
    if (reader == null) {
      throw new CorruptCheckpointException(directory + " has no tensor named " + name
          + (Files.isRegularFile(directory.resolve(INDEX)) ? " (" + INDEX + " does not list it)" : ""));
    }
    return reader;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Safetensors.Reader reader : readers) {
      try {
        reader.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

package org.emoflow.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.WeightSource;

/**
 * One model directory of either layout, opened for reading: an emoflow checkpoint ({@code config.json},
 * {@code model.safetensors}, {@code checksums.sha256}: a training step or a pruned export) or a Hugging
 * Face {@code EmoForCausalLM} directory ({@link HuggingFaceFormat}: config.json with a model_type,
 * {@code model.safetensors} or shards with {@code model.safetensors.index.json}, F32, BF16 or F16). This is
 * the one place commands open a checkpoint; tensors are always named and shaped as emoflow names them.
 *
 * <p>Opening checks the directory (an emoflow checkpoint's checksums; a Hugging Face one's shard headers)
 * and that every tensor the config implies is there with its shape. Weights are read only when asked for,
 * each through a memory map straight into the engine: {@link #loadRestricted} reads only the kept experts.
 */
public final class ModelCheckpoint implements AutoCloseable {
  public enum Layout {
    EMOFLOW,
    HUGGING_FACE
  }

  private static final Pattern ROUTER = Pattern.compile("blocks\\.(\\d+)\\.moe\\.router\\.weight");
  private static final Pattern EXPERT = Pattern.compile("blocks\\.(\\d+)\\.moe\\.experts\\.(\\d+)\\.(.+)");

  private final Path directory;
  private final Layout layout;
  private final ModelConfig config;
  private final TensorFiles files;
  private final Map<String, Shape> parameters;

  private ModelCheckpoint(Path directory, Layout layout, ModelConfig config, TensorFiles files,
      Map<String, Shape> parameters) {
    this.directory = directory;
    this.layout = layout;
    this.config = config;
    this.files = files;
    this.parameters = parameters;
  }

  /** Whether the directory holds a model of either layout (a config.json and weights). */
  public static boolean isModelDirectory(Path directory) {
    return Files.isRegularFile(directory.resolve(Checkpoints.CONFIG)) && TensorFiles.present(directory);
  }

  public static Layout layoutOf(Path directory) throws IOException {
    if (!Files.isRegularFile(directory.resolve(Checkpoints.CONFIG))) {
      throw new CorruptCheckpointException(directory + " has no " + Checkpoints.CONFIG);
    }
    return HuggingFaceFormat.isHuggingFace(directory) ? Layout.HUGGING_FACE : Layout.EMOFLOW;
  }

  /** The model's config, from either layout's config.json, without reading or checking any weights. */
  public static ModelConfig readConfig(Path directory) throws IOException {
    if (layoutOf(directory) == Layout.EMOFLOW) {
      return Checkpoints.readConfig(directory);
    }
    Path file = directory.resolve(HuggingFaceFormat.CONFIG);
    return HuggingFaceFormat.modelConfig(HuggingFaceFormat.JSON.readTree(file.toFile()), file);
  }

  /**
   * Opens and checks the directory; the engine must be available (parameter shapes come from building the
   * model's structure without weights). A fault is reported naming its file and tensor.
   */
  public static ModelCheckpoint open(Path directory, NDManager manager) throws IOException {
    Layout layout = layoutOf(directory);
    if (layout == Layout.EMOFLOW) {
      Checkpoints.verify(directory);
    }
    ModelConfig config = readConfig(directory);
    Map<String, Shape> parameters = LanguageModel.parameterShapes(config, manager);
    TensorFiles files = TensorFiles.open(directory);
    ModelCheckpoint checkpoint = new ModelCheckpoint(directory, layout, config, files, parameters);
    try {
      checkpoint.checkTensors();
    } catch (IOException | RuntimeException e) {
      files.close();
      throw e;
    }
    return checkpoint;
  }

  private void checkTensors() throws IOException {
    for (Map.Entry<String, Shape> parameter : parameters.entrySet()) {
      String source = sourceName(parameter.getKey());
      long[] expected = sourceShape(parameter.getKey(), parameter.getValue());
      if (!files.contains(source)) {
        throw new CorruptCheckpointException(directory + " has no tensor named " + source
            + (layout == Layout.HUGGING_FACE ? " (" + parameter.getKey() + " in emoflow's names)" : ""));
      }
      long[] actual = files.shape(source);
      if (!Arrays.equals(actual, expected)) {
        throw new CorruptCheckpointException(directory + ": tensor " + source + " has shape " + new Shape(actual)
            + ", " + Checkpoints.CONFIG + " implies " + new Shape(expected));
      }
    }
    if (layout == Layout.EMOFLOW && files.names().size() != parameters.size()) {
      throw new CorruptCheckpointException(directory.resolve(Checkpoints.MODEL) + " holds " + files.names().size()
          + " tensors, the model has " + parameters.size());
    }
  }

  public Path directory() {
    return directory;
  }

  public Layout layout() {
    return layout;
  }

  public ModelConfig config() {
    return config;
  }

  /** The parameters' emoflow names and shapes, in the model's order. */
  public Map<String, Shape> parameters() {
    return parameters;
  }

  /** The element type a parameter is stored in. */
  public Safetensors.DType storedType(String name) throws IOException {
    return files.dtype(sourceName(known(name)));
  }

  /**
   * The sha256 of the weights: for an emoflow checkpoint its model.safetensors as checksums.sha256 records
   * it (verified when opened), for a Hugging Face directory its {@link #fingerprint()}.
   */
  public String weightsSha256() throws IOException {
    if (layout == Layout.HUGGING_FACE) {
      return fingerprint();
    }
    for (String line : Files.readAllLines(directory.resolve(Checkpoints.CHECKSUMS), StandardCharsets.UTF_8)) {
      String[] parts = line.split("  ", 2);
      if (parts.length == 2 && parts[1].equals(Checkpoints.MODEL)) {
        return parts[0];
      }
    }
    return Checksums.sha256(directory.resolve(Checkpoints.MODEL));
  }

  /**
   * Identifies this content cheaply: the sha256 of checksums.sha256 for an emoflow checkpoint (which covers
   * every file), else of config.json, the index and every weight file's name, size and modification time.
   */
  public String fingerprint() throws IOException {
    return fingerprint(directory);
  }

  /** {@link #fingerprint()} of a directory, without opening the model (a Hugging Face one's headers are read). */
  public static String fingerprint(Path directory) throws IOException {
    if (layoutOf(directory) == Layout.EMOFLOW) {
      return Checksums.sha256(directory.resolve(Checkpoints.CHECKSUMS));
    }
    try (TensorFiles weights = TensorFiles.open(directory)) {
      MessageDigest digest = Checksums.newSha256();
      digest.update(Files.readAllBytes(directory.resolve(HuggingFaceFormat.CONFIG)));
      if (Files.isRegularFile(directory.resolve(TensorFiles.INDEX))) {
        digest.update(Files.readAllBytes(directory.resolve(TensorFiles.INDEX)));
      }
      for (Path file : weights.files()) {
        digest.update((file.getFileName() + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis()
            + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return Checksums.hex(digest);
    }
  }

  /** One parameter, float32, in memory the engine owns. */
  public NDArray tensor(String name, NDManager manager) throws IOException {
    return read(known(name), null, manager);
  }

  /** One parameter of {@link #loadRestricted}'s model (experts renumbered, the router's kept rows). */
  public NDArray restrictedTensor(String name, int[][] keptRouted, NDManager manager) throws IOException {
    return read(name, keptRouted, manager);
  }

  /** The whole model. */
  public LanguageModel load(NDManager manager) throws IOException {
    return LanguageModel.load(config, manager, weights(null));
  }

  /**
   * The model with only the given routed experts in every layer, renumbered 0..K-2 in ascending source-id
   * order as a pruned checkpoint holds them: what the full model computes under that restriction. Only
   * the kept experts' weights are read.
   *
   * @param keptRouted [layer] ascending distinct routed ids, the same number in every layer
   */
  public LanguageModel loadRestricted(NDManager manager, int[][] keptRouted) throws IOException {
    return LanguageModel.load(restrictedConfig(keptRouted), manager, weights(keptRouted));
  }

  /** The config of {@link #loadRestricted}'s model, once the kept ids are checked against this one. */
  public ModelConfig restrictedConfig(int[][] keptRouted) {
    if (!config.router().isMoe()) {
      throw new IllegalArgumentException("a dense model has no experts to restrict");
    }
    if (keptRouted.length != config.layers()) {
      throw new IllegalArgumentException("the kept experts cover " + keptRouted.length + " layers, the model has "
          + config.layers());
    }
    int size = keptRouted[0] == null ? -1 : keptRouted[0].length;
    for (int layer = 0; layer < keptRouted.length; layer++) {
      int[] ids = keptRouted[layer];
      boolean valid = ids != null && ids.length == size && size >= config.topK() && IntStream.range(0, size)
          .allMatch(i -> ids[i] >= 0 && ids[i] < config.routedExperts() && (i == 0 || ids[i - 1] < ids[i]));
      if (!valid) {
        throw new IllegalArgumentException("layer " + layer + " must keep " + Math.max(size, config.topK())
            + " or more distinct ascending routed ids below " + config.routedExperts() + " (the same number in every "
            + "layer, at least top_k = " + config.topK() + "), got " + Arrays.toString(ids));
      }
    }
    return config.withExperts(size + 1);
  }

  private WeightSource weights(int[][] keptRouted) {
    return (name, shape, manager) -> {
      NDArray array = read(name, keptRouted, manager);
      if (!array.getShape().equals(shape)) {
        Shape found = array.getShape();
        array.close();
        throw new CorruptCheckpointException(directory + ": tensor " + sourceName(name) + " gives " + name + " the shape "
            + found + ", the model expects " + shape);
      }
      return array;
    };
  }

  /** A parameter of the (possibly restricted) model: a kept expert under its source id, a router's kept rows. */
  private NDArray read(String name, int[][] keptRouted, NDManager manager) throws IOException {
    Matcher expert = EXPERT.matcher(name);
    if (keptRouted != null && expert.matches()) {
      int layer = Integer.parseInt(expert.group(1));
      int sourceId = keptRouted[layer][Integer.parseInt(expert.group(2))];
      name = "blocks." + layer + ".moe.experts." + sourceId + "." + expert.group(3);
    }
    Matcher router = ROUTER.matcher(name);
    if (!router.matches()) {
      return files.tensor(sourceName(name), manager);
    }
    int[] rows = keptRouted != null ? keptRouted[Integer.parseInt(router.group(1))] : null;
    if (rows == null && layout == Layout.EMOFLOW) {
      return files.tensor(name, manager);
    }
    // The kept rows, or (Hugging Face) every row but the shared expert's, which is last.
    long[] indices = rows != null ? Arrays.stream(rows).asLongStream().toArray()
        : IntStream.range(0, config.routedExperts()).asLongStream().toArray();
    try (NDArray all = files.tensor(sourceName(name), manager); NDArray index = manager.create(indices)) {
      return all.get(new NDIndex("{}", index));
    }
  }

  private String known(String name) {
    if (!parameters.containsKey(name)) {
      throw new IllegalArgumentException("the model has no parameter named " + name);
    }
    return name;
  }

  private String sourceName(String name) {
    return layout == Layout.EMOFLOW ? name : HuggingFaceFormat.hfName(name, config.experts());
  }

  private long[] sourceShape(String name, Shape shape) {
    long[] dims = shape.getShape();
    if (layout == Layout.HUGGING_FACE && ROUTER.matcher(name).matches()) {
      dims[0] += 1;
    }
    return dims;
  }

  @Override
  public void close() throws IOException {
    files.close();
  }

  @Override
  public String toString() {
    return directory + " (" + layout.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}

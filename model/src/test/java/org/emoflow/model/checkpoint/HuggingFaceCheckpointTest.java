package org.emoflow.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face EmoForCausalLM layout: emoflow -> HF -> emoflow is exact, a hand-made HF checkpoint
 * routes as the reference does (shared expert last in mlp.gate, outside the softmax, weight 1), BF16 is
 * read as its exact float32 values, pruned models keep num_experts_per_layer, faults name their file.
 */
class HuggingFaceCheckpointTest {
  private static final int SEQ_LEN = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PackedBatch BATCH = new PackedBatch(List.of(
      TestBatches.row(SEQ_LEN, TestBatches.run(3, 7), TestBatches.run(60, 6)),
      TestBatches.row(SEQ_LEN, TestBatches.run(90, 16))));

  @TempDir Path directory;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void emoflowToHuggingFaceAndBackIsBitExactAndComputesTheSameLogits() throws IOException {
    ModelConfig config = TestModels.tiny(RouterKind.EMO, SEQ_LEN).withEvalPool(3).withPool(2, 6).withLossWeights(0.07, 2e-3);
    LanguageModel model = new LanguageModel(config, manager, 11);
    Path source = save(model, "source");
    Path hf = directory.resolve("hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
      // A shard limit below one expert's tensors: many shards and an index.
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 20_000, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    JsonNode index = JSON.readTree(hf.resolve(TensorFiles.INDEX).toFile());
    List<String> files = new ArrayList<>();
    index.path("weight_map").forEach(file -> files.add(file.asText()));
    assertTrue(files.stream().distinct().count() > 3, "several shards: " + files.stream().distinct().toList());
    assertEquals(config.parameterCount() * 4 + 2L * config.dModel() * 4, index.path("metadata").path("total_size").asLong(),
        "every parameter, plus the shared expert's gate row in each of the 2 layers");
    JsonNode hfConfig = JSON.readTree(hf.resolve("config.json").toFile());
    assertEquals("emo", hfConfig.path("model_type").asText());
    assertEquals("EmoForCausalLM", hfConfig.path("architectures").get(0).asText());
    assertEquals(8, hfConfig.path("num_experts").asInt());
    assertEquals(3, hfConfig.path("num_experts_per_tok").asInt(), "top-2 routed plus the shared expert");
    assertEquals(1, hfConfig.path("num_shared_experts").asInt());

    try (ModelCheckpoint imported = ModelCheckpoint.open(hf, manager)) {
      assertEquals(ModelCheckpoint.Layout.HUGGING_FACE, imported.layout());
      assertEquals(config, imported.config(), "routing and training settings survive in config.json");
      try (LanguageModel loaded = imported.load(manager)) {
        for (Parameters.Parameter p : model.parameters().all()) {
          assertArrayEquals(bits(p.array().toFloatArray()), bits(loaded.parameters().get(p.name()).toFloatArray()),
              p.name());
        }
        assertArrayEquals(TestModels.logits(model, BATCH, null), TestModels.logits(loaded, BATCH, null));
        Path back = save(loaded, "back");
        assertEquals(-1L, Files.mismatch(source.resolve(Checkpoints.MODEL), back.resolve(Checkpoints.MODEL)),
            "the weights file written again is byte for byte the original");
      }
      try (Safetensors.Reader shard = Safetensors.open(hf.resolve(index.path("weight_map")
          .path("model.layers.1.mlp.gate.weight").asText()))) {
        float[] gate = floats(shard.read("model.layers.1.mlp.gate.weight"));
        int d = config.dModel();
        assertArrayEquals(model.parameters().get("blocks.1.moe.router.weight").toFloatArray(),
            TestModels.rows(gate, d, 0, 7), "the routed experts' rows first");
        assertArrayEquals(new float[d], TestModels.rows(gate, d, 7, 1), "then the shared expert's");
      }
    }
    assertThrows(FileAlreadyExistsException.class, () -> {
      try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
        HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 1L << 30, HuggingFaceExport.Tokenizer.NONE, manager);
      }
    });
  }

  /**
   * An independent forward pass in numpy (emo_forward.py, written from the reference's semantics: rotary
   * rotate-half, causal attention, the routed softmax over the gate's first E-1 rows, the shared expert
   * last) over the exported directory gives emoflow's logits. Skipped where python3 with numpy is missing.
   */
  @Test
  void anIndependentNumpyForwardOfTheExportGivesTheSameLogits() throws IOException, InterruptedException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 21);
    Path hf = directory.resolve("hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(save(model, "source"), manager)) {
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.BF16, 60_000, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    Path script = directory.resolve("emo_forward.py");
    try (var in = getClass().getResourceAsStream("emo_forward.py")) {
      Files.copy(in, script);
    }
    int[] tokens = TestBatches.run(17, 12);
    Process process;
    try {
      process = new ProcessBuilder("python3", script.toString(), hf.toString(),
          String.join(",", java.util.Arrays.stream(tokens).mapToObj(Integer::toString).toList()))
          .redirectErrorStream(true).start();
    } catch (IOException noPython) {
      Assumptions.assumeTrue(false, "python3 is not installed");
      return;
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    Assumptions.assumeFalse(output.contains("No module named 'numpy'"), "numpy is not installed");
    assertEquals(0, process.waitFor(), output);
    String[] numbers = output.split(" ");
    try (ModelCheckpoint imported = ModelCheckpoint.open(hf, manager); LanguageModel loaded = imported.load(manager)) {
      float[] logits = TestModels.logits(loaded, new PackedBatch(List.of(TestBatches.row(tokens.length, tokens))), null);
      assertEquals(logits.length, numbers.length);
      for (int i = 0; i < logits.length; i++) {
        assertEquals(Double.parseDouble(numbers[i]), logits[i], 2e-4, "logit " + i);
      }
    }
  }

  /**
   * One layer, one head, 3 routed experts and the shared one, top-1; attention's output projection is 0,
   * so each token's logits follow from its own embedding by hand. The shared expert's gate row holds 50s:
   * were it inside the softmax, the routed weights would all but vanish.
   */
  @Test
  void aHandMadeCheckpointRoutesOverTheRoutedRowsOnlyWithTheSharedExpertAtWeightOne() throws IOException {
    Path hf = handMade(Safetensors.DType.F32);
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(hf, manager); LanguageModel model = checkpoint.load(manager)) {
      ModelConfig config = model.config();
      assertEquals(new ModelConfig(HandMade.VOCAB, 4, 1, 1, 4, 1, 2, 16, RouterKind.EMO, 2, 3, 0, 0.1, 1e-3, 10_000, true,
          1e-6, 0.02), config, "the documented defaults for what a released config does not say");
      int[] tokens = {1, 2, 3, 4, 5};
      float[] logits = TestModels.logits(model, new PackedBatch(List.of(TestBatches.row(5, tokens))), null);
      double[] expected = new double[logits.length];
      double[] sharedInSoftmax = new double[logits.length];
      for (int t = 0; t < tokens.length; t++) {
        System.arraycopy(HandMade.logits(tokens[t], false), 0, expected, t * HandMade.VOCAB, HandMade.VOCAB);
        System.arraycopy(HandMade.logits(tokens[t], true), 0, sharedInSoftmax, t * HandMade.VOCAB, HandMade.VOCAB);
      }
      for (int i = 0; i < logits.length; i++) {
        assertEquals(expected[i], logits[i], 1e-4, "logit " + i);
      }
      assertTrue(maxDifference(expected, sharedInSoftmax) > 0.1, "the check tells the two readings apart");
    }
  }

  @Test
  void bfloat16WeightsLoadAsTheirExactFloat32Values() throws IOException {
    Path hf = handMade(Safetensors.DType.BF16);
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(hf, manager); LanguageModel model = checkpoint.load(manager)) {
      assertEquals(Safetensors.DType.BF16, checkpoint.storedType("blocks.0.moe.experts.2.up_proj.weight"));
      float[] rounded = HandMade.bf16(HandMade.expert(2, "up_proj"));
      assertArrayEquals(rounded, model.parameters().get("blocks.0.moe.experts.2.up_proj.weight").toFloatArray());
      assertFalse(java.util.Arrays.equals(rounded, HandMade.expert(2, "up_proj")), "rounding changed some values");
      float[] shared = HandMade.bf16(HandMade.expert(3, "down_proj"));
      assertArrayEquals(shared, model.parameters().get("blocks.0.moe.shared_expert.down_proj.weight").toFloatArray());
    }
    // emoflow's own export to BF16 rounds as libtorch does (to nearest, ties to even): the same values.
    LanguageModel random = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 4);
    Path exported = directory.resolve("bf16");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(save(random, "random"), manager)) {
      HuggingFaceExport.write(checkpoint, exported, Safetensors.DType.BF16, 1L << 30, HuggingFaceExport.Tokenizer.NONE,
          manager);
    }
    assertTrue(Files.isRegularFile(exported.resolve(TensorFiles.SINGLE)) && !Files.exists(exported.resolve(TensorFiles.INDEX)),
        "one file when everything fits one shard");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(exported, manager)) {
      for (String name : List.of("embed.weight", "blocks.1.moe.experts.5.gate_proj.weight", "lm_head.weight")) {
        try (var loaded = checkpoint.tensor(name, manager)) {
          assertArrayEquals(HandMade.bf16(random.parameters().get(name).toFloatArray()), loaded.toFloatArray(), name);
        }
      }
    }
  }

  @Test
  void aPrunedCheckpointExportsWithPerLayerCountsAndItsKeptExpertsAndImportsAsTheSameModel() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 8);
    Path source = save(model, "source");
    Selection selection = ExpertSelector.random(model.config(), 4, 3);
    Path pruned = directory.resolve("pruned");
    PrunedExport.write(source, selection, pruned);
    Path hf = directory.resolve("pruned-hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(pruned, manager)) {
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 1L << 30, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    JsonNode config = JSON.readTree(hf.resolve("config.json").toFile());
    assertEquals("[4,4]", config.path("num_experts_per_layer").toString());
    assertEquals("[1,1]", config.path("num_shared_experts_per_layer").toString());
    assertEquals(4, config.path("num_experts").asInt());
    JsonNode metadata = JSON.readTree(hf.resolve("pruning_metadata.json").toFile());
    assertEquals(4, metadata.path("prune_keep_k").asInt());
    for (int layer = 0; layer < 2; layer++) {
      List<Integer> kept = new ArrayList<>();
      metadata.path("experts_kept_per_layer").get(layer).forEach(id -> kept.add(id.asInt()));
      List<Integer> expected = new ArrayList<>(java.util.Arrays.stream(selection.kept(layer)).boxed().toList());
      expected.add(7);
      assertEquals(expected, kept, "source ids, the shared expert (7 of 8) last");
    }
    try (LanguageModel fromEmoflow = Checkpoints.loadModel(pruned, manager);
        ModelCheckpoint imported = ModelCheckpoint.open(hf, manager);
        LanguageModel fromHf = imported.load(manager)) {
      assertEquals(fromEmoflow.config(), fromHf.config());
      assertArrayEquals(TestModels.logits(fromEmoflow, BATCH, null), TestModels.logits(fromHf, BATCH, null));
    }
  }

  /** Restricted loading reads only the kept experts and is the pruned checkpoint, from either layout. */
  @Test
  void aRestrictedLoadIsThePrunedModelAndTheRestrictedFullModel() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 12);
    Path source = save(model, "source");
    Selection selection = ExpertSelector.random(model.config(), 5, 9);
    int[][] kept = {selection.kept(0), selection.kept(1)};
    Path pruned = directory.resolve("pruned");
    PrunedExport.write(source, selection, pruned);
    Path hf = directory.resolve("hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 50_000, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    float[] restricted;
    try (NDManager scratch = manager.newSubManager()) {
      restricted = model.logits(model.hidden(new org.emoflow.model.nn.ForwardContext(
          new org.emoflow.model.nn.BatchTensors(BATCH, scratch, true), 2, null, new ExpertRestriction(kept), false)))
          .toFloatArray();
    }
    try (LanguageModel prunedModel = Checkpoints.loadModel(pruned, manager)) {
      float[] expected = TestModels.logits(prunedModel, BATCH, null);
      assertTrue(TestModels.maxAbsDifference(expected, restricted) < 1e-5);
      for (Path dir : List.of(source, hf)) {
        try (ModelCheckpoint checkpoint = ModelCheckpoint.open(dir, manager);
            LanguageModel lean = checkpoint.loadRestricted(manager, kept)) {
          assertEquals(prunedModel.config(), lean.config(), dir.toString());
          assertArrayEquals(expected, TestModels.logits(lean, BATCH, null), dir.toString());
        }
      }
    }
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(source, manager)) {
      IllegalArgumentException unequal = assertThrows(IllegalArgumentException.class,
          () -> checkpoint.loadRestricted(manager, new int[][] {{0, 1, 2}, {0, 1, 2, 3}}));
      assertTrue(unequal.getMessage().contains("layer 1"), unequal.getMessage());
    }
  }

  /** The Flink failure: loaded weights must not live in (or pass through) Java direct buffers. */
  @Test
  void loadingUsesNoJavaDirectMemory() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 13);
    Path source = save(model, "source");
    long modelBytes = model.config().parameterCount() * Float.BYTES;
    long before = directMemoryUsed();
    try (LanguageModel loaded = Checkpoints.loadModel(source, manager)) {
      long grown = directMemoryUsed() - before;
      assertTrue(grown < modelBytes / 10, "direct memory grew by " + grown + " bytes for a " + modelBytes + "-byte model");
      assertArrayEquals(TestModels.logits(model, BATCH, null), TestModels.logits(loaded, BATCH, null));
    }
  }

  @Test
  void faultsNameTheirFileAndTensor() throws IOException {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.STANDARD, SEQ_LEN), manager, 14);
    Path hf = directory.resolve("hf");
    try (ModelCheckpoint checkpoint = ModelCheckpoint.open(save(model, "source"), manager)) {
      HuggingFaceExport.write(checkpoint, hf, Safetensors.DType.F32, 40_000, HuggingFaceExport.Tokenizer.NONE, manager);
    }
    Path index = hf.resolve(TensorFiles.INDEX);
    String indexText = Files.readString(index);

    Path missingShard = copy(hf, "missing-shard");
    Files.delete(missingShard.resolve("model-00002-of-" + shardCount(hf) + ".safetensors"));
    assertRefused(missingShard, "model-00002-of-" + shardCount(hf) + ".safetensors is missing");

    Path ghostTensor = copy(hf, "ghost-tensor");
    ObjectNode edited = (ObjectNode) JSON.readTree(indexText);
    ((ObjectNode) edited.path("weight_map")).put("model.layers.0.mlp.experts.3.bias", "model-00001-of-" + shardCount(hf)
        + ".safetensors");
    Files.writeString(ghostTensor.resolve(TensorFiles.INDEX), edited.toString());
    assertRefused(ghostTensor, "names tensor model.layers.0.mlp.experts.3.bias in model-00001-of-");

    Path wrongShape = copy(hf, "wrong-shape");
    editConfig(wrongShape, "intermediate_size", 16);
    assertRefused(wrongShape, "tensor model.layers.0.mlp.experts.0.gate_proj.weight has shape (32, 32), config.json "
        + "implies (16, 32)");

    Path groupedQuery = copy(hf, "gqa");
    editConfig(groupedQuery, "num_key_value_heads", 1);
    assertRefused(groupedQuery, "config.json: num_key_value_heads is 1, expected 2");

    Path twoShared = copy(hf, "two-shared");
    editConfig(twoShared, "num_shared_experts", 2);
    assertRefused(twoShared, "config.json: num_shared_experts must be 1");
  }

  private void assertRefused(Path dir, String expected) {
    CorruptCheckpointException refused =
        assertThrows(CorruptCheckpointException.class, () -> ModelCheckpoint.open(dir, manager).close());
    assertTrue(refused.getMessage().contains(expected), refused.getMessage());
  }

  private static String shardCount(Path hf) throws IOException {
    try (Stream<Path> files = Files.list(hf)) {
      return String.format("%05d", files.filter(f -> f.getFileName().toString().startsWith("model-")).count());
    }
  }

  private Path copy(Path from, String name) throws IOException {
    Path to = directory.resolve(name);
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
    return to;
  }

  private static void editConfig(Path dir, String key, int value) throws IOException {
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    config.put(key, value);
    Files.writeString(dir.resolve("config.json"), config.toString());
  }

  private Path save(LanguageModel model, String name) throws IOException {
    return TestModels.saveCheckpoint(model, directory.resolve(name));
  }

  /** The hand-made checkpoint in the reference's layout, as a config.json and one safetensors file. */
  private Path handMade(Safetensors.DType dtype) throws IOException {
    Path hf = directory.resolve("hand-made-" + dtype);
    Files.createDirectories(hf);
    Files.writeString(hf.resolve("config.json"), HandMade.CONFIG, StandardCharsets.UTF_8);
    Map<String, float[]> tensors = HandMade.tensors();
    Map<String, long[]> shapes = HandMade.shapes();
    List<Safetensors.Entry> entries = new ArrayList<>();
    tensors.keySet().forEach(name -> entries.add(new Safetensors.Entry(name, dtype, shapes.get(name))));
    Safetensors.write(hf.resolve(TensorFiles.SINGLE), Map.of("format", "pt"), entries, (entry, channel) -> {
      float[] values = tensors.get(entry.name());
      ByteBuffer bytes = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        if (dtype == Safetensors.DType.F32) {
          bytes.putFloat(v);
        } else {
          bytes.putShort((short) (Float.floatToRawIntBits(HandMade.bf16(v)) >>> 16));
        }
      }
      Safetensors.writeFully(channel, bytes.flip());
    });
    return hf;
  }

  private static long directMemoryUsed() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static float[] floats(ByteBuffer data) {
    float[] values = new float[data.remaining() / 4];
    data.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static double maxDifference(double[] a, double[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** Known weights, and the reference's forward pass for one token computed by hand in double precision. */
  static final class HandMade {
    static final int VOCAB = 6;
    static final int D = 4;
    static final int HIDDEN = 2;
    static final int EXPERTS = 4;
    static final double EPS = 1e-6;
    static final String CONFIG = """
        {"architectures": ["EmoForCausalLM"], "model_type": "emo", "vocab_size": 6, "hidden_size": 4,
         "intermediate_size": 2, "num_hidden_layers": 1, "num_attention_heads": 1, "num_key_value_heads": 1,
         "hidden_act": "silu", "max_position_embeddings": 16, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
         "rope_scaling": null, "attention_bias": false, "tie_word_embeddings": false, "num_experts": 4,
         "num_experts_per_tok": 2, "num_shared_experts": 1, "norm_topk_prob": false, "pad_token_id": 0,
         "eos_token_id": 5, "torch_dtype": "float32"}
        """;

    static float[] embedding() {
      return pattern(VOCAB * D, 0.37f, 1.1f);
    }

    static float[] ffnNorm() {
      return new float[] {1f, 0.5f, 2f, 1.25f};
    }

    /** Routed rows 0..2, then the shared expert's row of 50s. */
    static float[] gate() {
      float[] gate = pattern(EXPERTS * D, 0.91f, 1.7f);
      for (int i = 3 * D; i < 4 * D; i++) {
        gate[i] = 50f;
      }
      return gate;
    }

    static float[] expert(int expert, String matrix) {
      int salt = switch (matrix) {
        case "gate_proj" -> 1;
        case "up_proj" -> 2;
        default -> 3;
      };
      return pattern(D * HIDDEN, 0.13f * (expert + 1) + 0.05f * salt, 0.6f + 0.2f * expert);
    }

    static float[] head() {
      return pattern(VOCAB * D, 0.53f, 0.9f);
    }

    /** Deterministic, varied, not round values (so BF16 rounding changes some). */
    static float[] pattern(int n, float step, float scale) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) (scale * Math.sin(step * (i + 1) + 0.3 * i * i / n));
      }
      return values;
    }

    static Map<String, float[]> tensors() {
      Map<String, float[]> tensors = new LinkedHashMap<>();
      String layer = "model.layers.0.";
      tensors.put("model.embed_tokens.weight", embedding());
      tensors.put(layer + "pre_attention_layernorm.weight", new float[] {1f, 1f, 1f, 1f});
      tensors.put(layer + "self_attn.q_proj.weight", pattern(D * D, 0.71f, 0.8f));
      tensors.put(layer + "self_attn.k_proj.weight", pattern(D * D, 0.29f, 0.8f));
      tensors.put(layer + "self_attn.v_proj.weight", pattern(D * D, 0.47f, 0.8f));
      tensors.put(layer + "self_attn.o_proj.weight", new float[D * D]);
      tensors.put(layer + "pre_feedforward_layernorm.weight", ffnNorm());
      tensors.put(layer + "mlp.gate.weight", gate());
      for (int e = 0; e < EXPERTS; e++) {
        for (String matrix : List.of("gate_proj", "up_proj", "down_proj")) {
          tensors.put(layer + "mlp.experts." + e + "." + matrix + ".weight", expert(e, matrix));
        }
      }
      tensors.put("model.norm.weight", new float[] {1f, 1f, 1f, 1f});
      tensors.put("lm_head.weight", head());
      return tensors;
    }

    static Map<String, long[]> shapes() {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      tensors().forEach((name, values) -> {
        long[] shape;
        if (name.contains("layernorm") || name.equals("model.norm.weight")) {
          shape = new long[] {D};
        } else if (name.endsWith("down_proj.weight")) {
          shape = new long[] {D, HIDDEN};
        } else if (name.contains("proj.weight") && name.contains("experts")) {
          shape = new long[] {HIDDEN, D};
        } else if (name.contains("self_attn")) {
          shape = new long[] {D, D};
        } else if (name.endsWith("gate.weight")) {
          shape = new long[] {EXPERTS, D};
        } else {
          shape = new long[] {VOCAB, D};
        }
        shapes.put(name, shape);
      });
      return shapes;
    }

    /**
     * Attention adds 0, so h = the embedding; the MoE input is RMSNorm(h) * w; the routed softmax is over
     * gate rows 0..2 (or, to show the check would catch it, all 4); top-1; the shared expert (3) weighs 1.
     */
    static double[] logits(int token, boolean sharedInSoftmax) {
      double[] h = row(embedding(), token, D);
      double[] n = rmsNorm(h, ffnNorm());
      double[] z = matVec(gate(), EXPERTS, D, n);
      int routed = sharedInSoftmax ? EXPERTS : EXPERTS - 1;
      double max = Double.NEGATIVE_INFINITY;
      for (int e = 0; e < routed; e++) {
        max = Math.max(max, z[e]);
      }
      double sum = 0;
      double[] p = new double[routed];
      for (int e = 0; e < routed; e++) {
        p[e] = Math.exp(z[e] - max);
        sum += p[e];
      }
      int top = 0;
      for (int e = 0; e < EXPERTS - 1; e++) {
        p[e] /= sum;
        top = p[e] > p[top] ? e : top;
      }
      double[] shared = swiGlu(3, n);
      double[] chosen = swiGlu(top, n);
      double[] y = new double[D];
      for (int i = 0; i < D; i++) {
        y[i] = h[i] + shared[i] + p[top] * chosen[i];
      }
      return matVec(head(), VOCAB, D, rmsNorm(y, new float[] {1f, 1f, 1f, 1f}));
    }

    static double[] swiGlu(int expert, double[] x) {
      double[] g = matVec(expert(expert, "gate_proj"), HIDDEN, D, x);
      double[] u = matVec(expert(expert, "up_proj"), HIDDEN, D, x);
      double[] a = new double[HIDDEN];
      for (int i = 0; i < HIDDEN; i++) {
        a[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
      }
      return matVec(expert(expert, "down_proj"), D, HIDDEN, a);
    }

    static double[] rmsNorm(double[] x, float[] weight) {
      double meanSquare = 0;
      for (double v : x) {
        meanSquare += v * v / x.length;
      }
      double[] out = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = x[i] / Math.sqrt(meanSquare + EPS) * weight[i];
      }
      return out;
    }

    static double[] matVec(float[] matrix, int rows, int columns, double[] x) {
      double[] out = new double[rows];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns; c++) {
          out[r] += matrix[r * columns + c] * x[c];
        }
      }
      return out;
    }

    static double[] row(float[] matrix, int row, int width) {
      double[] out = new double[width];
      for (int c = 0; c < width; c++) {
        out[c] = matrix[row * width + c];
      }
      return out;
    }

    /** float32 rounded to bfloat16 (to nearest, ties to even), as a float32 value. */
    static float bf16(float value) {
      int bits = Float.floatToRawIntBits(value);
      int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
      return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    static float[] bf16(float[] values) {
      float[] out = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = bf16(values[i]);
      }
      return out;
    }
  }
}

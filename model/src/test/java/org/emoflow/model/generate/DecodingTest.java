package org.emoflow.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.PoolSizes;
import org.emoflow.model.select.ExpertSelector;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * KV-cache decoding computes what running the whole sequence again computes, row by row in a batch of
 * prompts of different lengths, on the full, the restricted and the pruned model.
 */
class DecodingTest {
  private static final int SEQ_LEN = 24;
  private static final int STEPS = 8;
  /** Three documents of different lengths: the batch pads two of them. */
  private static final List<int[]> PROMPTS =
      List.of(TestBatches.run(3, 4), TestBatches.run(40, 9), new int[] {90, 7, 66, 12, 101, 5});
  private static final Generator.Settings GREEDY =
      new Generator.Settings(STEPS, Sampling.GREEDY, -1, TestModels.tiny(RouterKind.STANDARD, SEQ_LEN).vocabSize(), null);

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

  /** The tiny shape with weights ten times the usual scale: decided routing and peaked logits, no near ties. */
  private LanguageModel model(RouterKind kind, int evalPool, boolean intraDocumentMask) {
    ModelConfig tiny = TestModels.tiny(kind, SEQ_LEN).withEvalPool(evalPool).withIntraDocumentMask(intraDocumentMask);
    ModelConfig sharp = tiny.toBuilder().initStd(0.2).build();
    return new LanguageModel(sharp, manager, 11);
  }

  @ParameterizedTest
  @CsvSource({"STANDARD, 0, true", "EMO, 0, true", "EMO, 3, true", "EMO, 0, false", "DENSE, 0, true"})
  void cachedDecodingGivesTheLogitsOfRecomputingTheWholeSequence(RouterKind kind, int evalPool, boolean mask) {
    LanguageModel model = model(kind, evalPool, mask);
    int arraysBefore = model.manager().getManagedArrays().size();
    List<List<Integer>> sequences = new ArrayList<>();
    PROMPTS.forEach(p -> sequences.add(new ArrayList<>(java.util.Arrays.stream(p).boxed().toList())));
    try (Decoder cached = new CachedDecoder(model, null, PROMPTS);
        Decoder recomputing = new RecomputingDecoder(model, null, PROMPTS)) {
      for (int step = 0; step < STEPS; step++) {
        int[] next = new int[PROMPTS.size()];
        for (int row = 0; row < next.length; row++) {
          float[] logits = cached.logits()[row];
          assertTrue(TestModels.maxAbsDifference(logits, recomputing.logits()[row]) < 1e-5, "step " + step);
          if (evalPool == 0) {
            // Without a pool the recomputation is the plain forward pass of the row alone, as evaluation runs it.
            int[] alone = sequences.get(row).stream().mapToInt(Integer::intValue).toArray();
            assertTrue(TestModels.maxAbsDifference(logits, lastLogits(model, alone, null)) < 1e-5, "step " + step);
          } else if (step == 0) {
            // Before any token is generated, the pool is the prompt's own: a plain forward with the fixed eval pool.
            int[] alone = PROMPTS.get(row);
            PoolSizes pools = PoolSizes.fixed(model.config(), 1, evalPool);
            assertTrue(TestModels.maxAbsDifference(logits, lastLogits(model, alone, pools)) < 1e-5);
          }
          next[row] = Sampler.argmax(logits, model.config().vocabSize());
          assertEquals(next[row], Sampler.argmax(recomputing.logits()[row], model.config().vocabSize()));
          sequences.get(row).add(next[row]);
        }
        cached.append(next);
        recomputing.append(next);
      }
    }
    assertEquals(arraysBefore, model.manager().getManagedArrays().size(), "arrays left in the model's manager");
  }

  private static float[] lastLogits(LanguageModel model, int[] sequence, PoolSizes pools) {
    float[] all = TestModels.logits(model, new PackedBatch(List.of(TestBatches.row(sequence.length, sequence))), pools);
    int vocabulary = model.config().vocabSize();
    return TestModels.rows(all, vocabulary, sequence.length - 1, 1);
  }

  /** With a pool, the rule matters: routing the generated tokens in a pool chosen from all of them differs. */
  @Test
  void emoWithAPoolKeepsThePromptsPoolWhileItWrites() {
    LanguageModel model = model(RouterKind.EMO, 3, true);
    int[] prompt = PROMPTS.get(1);
    List<Generation> generated = Generator.generate(model, null, List.of(prompt), 0, GREEDY);
    int[] whole = java.util.stream.IntStream.concat(java.util.Arrays.stream(prompt),
        java.util.Arrays.stream(generated.get(0).tokens())).toArray();
    int[] prefix = java.util.Arrays.copyOf(whole, whole.length - 1);
    float[] documentPool = lastLogits(model, prefix, PoolSizes.fixed(model.config(), 1, 3));
    float[] promptPool;
    try (Decoder recomputing = new RecomputingDecoder(model, null, List.of(prompt))) {
      for (int i = prompt.length; i < prefix.length; i++) {
        recomputing.append(new int[] {prefix[i]});
      }
      promptPool = recomputing.logits()[0];
    }
    assertTrue(TestModels.maxAbsDifference(documentPool, promptPool) > 1e-3,
        "the pools of the prompt and of the whole document differ for this prompt");
  }

  @ParameterizedTest
  @CsvSource({"STANDARD, 0", "EMO, 0", "EMO, 3"})
  void batchedPromptsGiveWhatEachGivesAloneGreedyAndSampled(RouterKind kind, int evalPool) {
    LanguageModel model = model(kind, evalPool, true);
    for (Sampling sampling : List.of(Sampling.GREEDY, new Sampling(1.0, 0.9, 5))) {
      Generator.Settings settings = new Generator.Settings(STEPS, sampling, -1, model.config().vocabSize(), null);
      List<Generation> batched = Generator.generate(model, null, PROMPTS, 0, settings);
      for (int i = 0; i < PROMPTS.size(); i++) {
        Generation alone = Generator.generate(model, null, List.of(PROMPTS.get(i)), i, settings).get(0);
        assertArrayEquals(alone.tokens(), batched.get(i).tokens(), sampling + ", prompt " + i);
        assertEquals(STEPS, alone.tokens().length);
        assertEquals(Generation.StopReason.LENGTH, alone.stopReason());
      }
    }
  }

  @Test
  void seededSamplingIsReproducibleSeedsDifferAndATinyNucleusIsGreedy() {
    LanguageModel model = model(RouterKind.EMO, 0, true);
    int vocabulary = model.config().vocabSize();
    Map<Long, List<Generation>> bySeed = new java.util.HashMap<>();
    for (long seed : new long[] {1, 2}) {
      Sampling hot = new Sampling(1.5, 1.0, seed);
      List<Generation> first = Generator.generate(model, null, PROMPTS, 0, settings(hot, vocabulary));
      List<Generation> again = Generator.generate(model, null, PROMPTS, 0, settings(hot, vocabulary));
      for (int i = 0; i < PROMPTS.size(); i++) {
        assertArrayEquals(first.get(i).tokens(), again.get(i).tokens());
      }
      bySeed.put(seed, first);
    }
    assertNotEquals(tokens(bySeed.get(1L)), tokens(bySeed.get(2L)));
    List<Generation> greedy = Generator.generate(model, null, PROMPTS, 0, settings(Sampling.GREEDY, vocabulary));
    List<Generation> nucleus =
        Generator.generate(model, null, PROMPTS, 0, settings(new Sampling(1.5, 1e-9, 3), vocabulary));
    assertEquals(tokens(greedy), tokens(nucleus));
    assertNotEquals(tokens(greedy), tokens(bySeed.get(1L)));
  }

  private static Generator.Settings settings(Sampling sampling, int vocabulary) {
    return new Generator.Settings(STEPS, sampling, -1, vocabulary, null);
  }

  private static List<List<Integer>> tokens(List<Generation> generations) {
    return generations.stream().map(g -> java.util.Arrays.stream(g.tokens()).boxed().toList()).toList();
  }

  @Test
  void aRowStopsAtEosAtAStopConditionOrWhenItsRowIsFull() {
    LanguageModel model = model(RouterKind.STANDARD, 0, true);
    int vocabulary = model.config().vocabSize();
    int[] free = Generator.generate(model, null, List.of(PROMPTS.get(0)), 0, GREEDY).get(0).tokens();
    // The model's third token taken as EOS: two tokens, then the row ends without it.
    Generation eos = Generator.generate(model, null, List.of(PROMPTS.get(0)), 0,
        new Generator.Settings(STEPS, Sampling.GREEDY, free[2], vocabulary, null)).get(0);
    assertArrayEquals(java.util.Arrays.copyOf(free, 2), eos.tokens());
    assertEquals(Generation.StopReason.EOS, eos.stopReason());
    Generation stop = Generator.generate(model, null, List.of(PROMPTS.get(0)), 0,
        new Generator.Settings(STEPS, Sampling.GREEDY, -1, vocabulary, generated -> generated.length == 3)).get(0);
    assertArrayEquals(java.util.Arrays.copyOf(free, 3), stop.tokens());
    assertEquals(Generation.StopReason.STOP, stop.stopReason());
    // A prompt of seq_len - 2 tokens leaves room for two.
    int[] longPrompt = TestBatches.run(5, SEQ_LEN - 2);
    Generation full = Generator.generate(model, null, List.of(longPrompt, PROMPTS.get(0)), 0, GREEDY).get(0);
    assertEquals(2, full.tokens().length);
    assertEquals(Generation.StopReason.LENGTH, full.stopReason());
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> Generator.generate(model, null, List.of(PROMPTS.get(0), TestBatches.run(5, SEQ_LEN)), 0, GREEDY));
    assertTrue(tooLong.getMessage().contains("prompt 1 has 24 tokens"), tooLong.getMessage());
  }

  /**
   * The pruned export of a selection generates the restricted model's tokens, from the same logits, while
   * holding K of E experts per layer.
   */
  @ParameterizedTest
  @CsvSource({"STANDARD, 0", "EMO, 0", "EMO, 3"})
  void thePrunedExportGeneratesWhatTheRestrictedModelGenerates(RouterKind kind, int evalPool) throws IOException {
    LanguageModel model = model(kind, evalPool, true);
    Selection selection = ExpertSelector.random(model.config(), 5, 4);
    Path checkpoint = java.nio.file.Files.createDirectories(directory.resolve("full"));
    Checkpoints.writeModel(checkpoint, model, Map.of());
    Checkpoints.writeChecksums(checkpoint);
    Path export = directory.resolve("pruned");
    PrunedExport.write(checkpoint, selection, export);
    ExpertRestriction restriction = selection.restriction();
    try (LanguageModel pruned = Checkpoints.loadModel(export, manager)) {
      assertTrue(pruned.parameters().count() < model.parameters().count());
      List<Generation> restricted = Generator.generate(model, restriction, PROMPTS, 0, GREEDY);
      List<Generation> fromExport = Generator.generate(pruned, null, PROMPTS, 0, GREEDY);
      List<Generation> unrestricted = Generator.generate(model, null, PROMPTS, 0, GREEDY);
      assertEquals(tokens(restricted), tokens(fromExport));
      assertNotEquals(tokens(restricted), tokens(unrestricted), "keeping 4 of 7 routed experts changes the text");
      try (Decoder a = new CachedDecoder(model, restriction, PROMPTS); Decoder b = new CachedDecoder(pruned, null, PROMPTS)) {
        for (int step = 0; step < STEPS; step++) {
          int[] next = new int[PROMPTS.size()];
          for (int row = 0; row < next.length; row++) {
            assertTrue(TestModels.maxAbsDifference(a.logits()[row], b.logits()[row]) < 1e-5, "step " + step);
            next[row] = restricted.get(row).tokens()[step];
          }
          a.append(next);
          b.append(next);
        }
      }
    }
  }
}

package org.emoflow.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.generate.Decoder;
import org.emoflow.model.generate.RecomputingDecoder;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generative task files are read strictly, fit to rows, and scored against independently computed values. */
class GenerativeTaskTest {
  private static final int SEQ_LEN = 32;
  private static final int MAX_NEW = 6;

  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path file = dir.resolve("task.jsonl");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void examplesAreReadAndABadLineIsRefusedByFileAndLine() throws IOException {
    Path file = file("{\"prompt\": \"2 + 2 =\", \"answer\": \" 4\", \"id\": 1}", "", "{\"prompt\": \"3 + 3 =\", \"answer\": \" 6\"}");
    assertEquals(List.of(new GenerativeTask.Example(1, "2 + 2 =", " 4"), new GenerativeTask.Example(3, "3 + 3 =", " 6")),
        GenerativeTask.read(file, 0));
    assertEquals(1, GenerativeTask.read(file, 1).size());
    String good = "{\"prompt\": \"a\", \"answer\": \"b\"}";
    for (String bad : List.of("{not json", "{\"answer\": \"b\"}", "{\"prompt\": \"a\", \"answer\": 4}",
        "{\"prompt\": \"\", \"answer\": \"b\"}", "{\"prompt\": \"a\"}")) {
      Path badFile = file(good, bad);
      InvalidTaskException e = assertThrows(InvalidTaskException.class, () -> GenerativeTask.read(badFile, 0), bad);
      assertTrue(e.getMessage().startsWith(badFile + ":2: "), e.getMessage());
    }
  }

  /** The example task file of examples/sweep.yaml reads, and its answers are the sums its prompts ask for. */
  @Test
  void theExampleTaskFileReadsAndItsAnswersMatchTheirSums() throws IOException {
    List<GenerativeTask.Example> sums = GenerativeTask.read(Path.of("../examples/tasks/sums.jsonl"), 0);
    assertEquals(6, sums.size());
    for (GenerativeTask.Example example : sums) {
      String last = example.prompt().substring(example.prompt().lastIndexOf('\n') + 1).replace(",", "");
      String[] terms = last.replace("=", "").trim().split(" \\+ ");
      String sum = Integer.toString(Integer.parseInt(terms[0]) + Integer.parseInt(terms[1]));
      assertTrue(ExactMatch.matches(" " + sum + "\n", example.answer()), example.toString());
    }
  }

  @Test
  void aLongPromptLosesItsOldestTokensToLeaveRoomForTheAnswerAndForGeneration() {
    try (TextTokenizer tokenizer = Tokenizers.load("r50k_base")) {
      String prompt = "one two three four five six seven eight nine ten";
      int[] promptTokens = tokenizer.encode(prompt);
      GenerativeTask.Example example = new GenerativeTask.Example(1, prompt, " eleven twelve");
      GenerativeTask.Tokenized room = GenerativeTask.tokenize(List.of(example), tokenizer, 8, 5).get(0);
      assertArrayEquals(Arrays.copyOfRange(promptTokens, promptTokens.length - 3, promptTokens.length), room.prompt());
      assertArrayEquals(tokenizer.encode(" eleven twelve"), room.answer());
      assertThrows(IllegalArgumentException.class, () -> GenerativeTask.tokenize(List.of(example), tokenizer, 8, 8));
      assertThrows(IllegalArgumentException.class, () -> GenerativeTask.tokenize(List.of(example), tokenizer, 2, 1),
          "no room left for the prompt");
    }
  }

  /**
   * Two examples: the first answer is the model's own greedy continuation (found here by recomputing the
   * whole sequence each step), the second a number it does not write. Exact match is then 1/2, and the
   * answers' loss is what scoring prompt + answer one at a time gives.
   */
  @Test
  void exactMatchAndAnswerLossAgreeWithAnIndependentComputation() {
    try (NDManager manager = Compute.newManager(); TextTokenizer tokenizer = Tokenizers.load("r50k_base")) {
      ModelConfig tiny = ModelConfig.preset("tiny", tokenizer.vocabSize(), SEQ_LEN, RouterKind.EMO);
      LanguageModel model = new LanguageModel(tiny.toBuilder().initStd(0.2).build(), manager, 5);
      ExpertRestriction restriction = new ExpertRestriction(new int[][] {{0, 2, 3, 6}, {1, 2, 4, 5}});
      String firstPrompt = "The cat sat on the";
      String own = tokenizer.decode(greedy(model, restriction, tokenizer.encode(firstPrompt), tokenizer.eosId()));
      assertTrue(!own.isEmpty() && ExactMatch.lastNumber(own) == null, "a non-numeric continuation: '" + own + "'");
      List<GenerativeTask.Tokenized> examples = GenerativeTask.tokenize(List.of(
          new GenerativeTask.Example(1, firstPrompt, own),
          new GenerativeTask.Example(2, "Two plus two is", " 98765")), tokenizer, SEQ_LEN, MAX_NEW);
      int[] tokenBytes = tokenizer.tokenByteLengths();
      GenerativeTask.Result result = GenerativeTask.score(model, examples, 2, restriction, tokenBytes, 0,
          tokenizer.eosId(), new GenerativeTask.Settings(MAX_NEW, ""), tokenizer);
      assertEquals(2, result.examples());
      assertEquals(0.5, result.exactMatch());
      assertTrue(result.generatedTokens() >= tokenizer.encode(own).length && result.generatedTokens() <= 2 * MAX_NEW);

      double nats = 0;
      long tokens = 0;
      for (GenerativeTask.Tokenized example : examples) {
        int[] whole = Continuations.joined(example.prompt(), example.answer());
        float[] logProbabilities = org.emoflow.model.eval.Evaluator.targetLogProbabilities(model,
            new PackedBatch(List.of(TestBatches.row(whole.length, whole))), restriction);
        for (int t = example.prompt().length - 1; t < whole.length - 1; t++) {
          nats -= logProbabilities[t];
        }
        tokens += example.answer().length;
      }
      assertEquals(tokens, result.answerTokens());
      assertEquals(nats / tokens, result.loss(), 1e-5 * nats / tokens);
      assertEquals(own.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " 98765".length(), result.answerBytes());
    }
  }

  /** Argmax of the recomputed logits until EOS or {@link #MAX_NEW} tokens. */
  private static int[] greedy(LanguageModel model, ExpertRestriction restriction, int[] prompt, int eos) {
    List<Integer> out = new ArrayList<>();
    try (Decoder decoder = new RecomputingDecoder(model, restriction, List.of(prompt))) {
      while (out.size() < MAX_NEW) {
        float[] logits = decoder.logits()[0];
        int best = 0;
        for (int id = 1; id < 50257; id++) {
          best = logits[id] > logits[best] ? id : best;
        }
        if (best == eos) {
          break;
        }
        out.add(best);
        decoder.append(new int[] {best});
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}

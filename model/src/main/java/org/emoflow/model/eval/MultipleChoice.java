package org.emoflow.model.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.SegmentPacker;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;

/**
 * Multiple-choice tasks scored by log-likelihood: each choice follows the context as one segment, and the
 * log-probabilities of its tokens are summed. {@code accuracy} picks the choice with the highest sum,
 * {@code accuracy per byte} the highest sum per UTF-8 byte of the choice (long choices are not penalised
 * for their length).
 *
 * <p>A task file is JSONL, one example per line: {@code {"context": "...", "choices": [" a", " b"],
 * "answer": 0}} (other keys are ignored). A choice is appended to the context verbatim, so the separating
 * space belongs in the choice. Context and choice are tokenized separately; a context too long for a row
 * loses its oldest tokens, the same for every choice of the example.
 */
public final class MultipleChoice {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** @param line 1-based line of the task file */
  public record Example(int line, String context, List<String> choices, int answer) {}

  /** @param choiceUtf8Bytes per choice, the UTF-8 length of its text */
  public record Tokenized(int line, int[] context, int[][] choices, int[] choiceUtf8Bytes, int answer) {}

  /** Gold-choice sums (loss and bits per byte describe the correct answers' tokens). */
  public record Result(int examples, int correct, int correctPerByte, double goldNats, long goldTokens, long goldBytes) {
    public double accuracy() {
      return (double) correct / examples;
    }

    public double accuracyPerByte() {
      return (double) correctPerByte / examples;
    }

    public double loss() {
      return goldNats / goldTokens;
    }

    public double bitsPerByte() {
      return goldBytes == 0 ? Double.NaN : goldNats / (goldBytes * Math.log(2));
    }
  }

  private MultipleChoice() {}

  /** The first {@code limit} examples (all when 0 or less); blank lines are skipped. */
  public static List<Example> read(Path file, int limit) throws IOException {
    List<Example> examples = new ArrayList<>();
    int max = limit <= 0 ? Integer.MAX_VALUE : limit;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line = reader.readLine(); line != null && examples.size() < max; line = reader.readLine()) {
        number++;
        if (!line.isBlank()) {
          examples.add(parse(file, number, line));
        }
      }
    }
    return examples;
  }

  private static Example parse(Path file, int number, String line) throws InvalidTaskException {
    String where = file + ":" + number + ": ";
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new InvalidTaskException(where + "not JSON (" + e.getOriginalMessage() + ")");
    }
    JsonNode context = node.path("context");
    if (!context.isTextual() || context.asText().isEmpty()) {
      throw new InvalidTaskException(where + "'context' must be a non-empty string");
    }
    JsonNode choices = node.path("choices");
    if (!choices.isArray() || choices.size() < 2) {
      throw new InvalidTaskException(where + "'choices' must be a list of at least 2 strings");
    }
    List<String> texts = new ArrayList<>();
    for (JsonNode choice : choices) {
      if (!choice.isTextual() || choice.asText().isEmpty()) {
        throw new InvalidTaskException(where + "every choice must be a non-empty string, got " + choice);
      }
      texts.add(choice.asText());
    }
    JsonNode answer = node.path("answer");
    if (!answer.canConvertToInt() || !answer.isIntegralNumber() || answer.asInt() < 0 || answer.asInt() >= texts.size()) {
      throw new InvalidTaskException(where + "'answer' must be a choice index from 0 to " + (texts.size() - 1)
          + ", got " + answer);
    }
    return new Example(number, context.asText(), List.copyOf(texts), answer.asInt());
  }

  /** Tokens of every example, the context cut from the left so that context + the longest choice fit {@code seqLen}. */
  public static List<Tokenized> tokenize(List<Example> examples, TextTokenizer tokenizer, int seqLen) {
    List<Tokenized> tokenized = new ArrayList<>();
    for (Example example : examples) {
      int[][] choices = new int[example.choices().size()][];
      int[] utf8 = new int[choices.length];
      int longest = 0;
      for (int c = 0; c < choices.length; c++) {
        choices[c] = tokenizer.encode(example.choices().get(c));
        utf8[c] = example.choices().get(c).getBytes(StandardCharsets.UTF_8).length;
        longest = Math.max(longest, choices[c].length);
      }
      if (longest >= seqLen) {
        throw new IllegalArgumentException("line " + example.line() + ": a choice of " + longest
            + " tokens leaves no room for context in rows of " + seqLen);
      }
      int[] context = tokenizer.encode(example.context());
      if (context.length == 0) {
        throw new IllegalArgumentException("line " + example.line() + ": the context tokenizes to nothing");
      }
      int keep = Math.min(context.length, seqLen - longest);
      tokenized.add(new Tokenized(example.line(), Arrays.copyOfRange(context, context.length - keep, context.length),
          choices, utf8, example.answer()));
    }
    return tokenized;
  }

  /** Context + correct choice of each example, one segment each: calibration rows for expert selection. */
  public static List<PackedSequence> goldRows(List<Tokenized> examples, String domain, int seqLen, int padId) {
    List<SegmentPacker.Segment> segments = new ArrayList<>();
    for (Tokenized example : examples) {
      segments.add(segment(example, example.answer(), domain));
    }
    return SegmentPacker.pack(segments, seqLen, padId);
  }

  /** Log-likelihood of every choice of every example, with the given restriction (null: the full model). */
  public static Result score(LanguageModel model, List<Tokenized> examples, int batchSize,
      ExpertRestriction restriction, int[] tokenBytes, int padId) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to score");
    }
    List<int[]> contexts = new ArrayList<>();
    List<int[]> choices = new ArrayList<>();
    for (Tokenized example : examples) {
      for (int[] choice : example.choices()) {
        contexts.add(example.context());
        choices.add(choice);
      }
    }
    double[] logLikelihoods =
        Continuations.logLikelihoods(model, contexts, choices, batchSize, restriction, padId);
    int correct = 0;
    int correctPerByte = 0;
    double goldNats = 0;
    long goldTokens = 0;
    long goldBytes = 0;
    int index = 0;
    for (Tokenized example : examples) {
      int best = 0;
      int bestPerByte = 0;
      for (int c = 0; c < example.choices().length; c++) {
        double total = logLikelihoods[index + c];
        if (total > logLikelihoods[index + best]) {
          best = c;
        }
        if (total / example.choiceUtf8Bytes()[c]
            > logLikelihoods[index + bestPerByte] / example.choiceUtf8Bytes()[bestPerByte]) {
          bestPerByte = c;
        }
      }
      correct += best == example.answer() ? 1 : 0;
      correctPerByte += bestPerByte == example.answer() ? 1 : 0;
      int[] gold = example.choices()[example.answer()];
      goldNats -= logLikelihoods[index + example.answer()];
      goldTokens += gold.length;
      for (int token : gold) {
        goldBytes += tokenBytes == null ? 0 : tokenBytes[token];
      }
      index += example.choices().length;
    }
    return new Result(examples.size(), correct, correctPerByte, goldNats, goldTokens, goldBytes);
  }

  private static SegmentPacker.Segment segment(Tokenized example, int choice, String domain) {
    return new SegmentPacker.Segment(Continuations.joined(example.context(), example.choices()[choice]),
        "line-" + example.line() + "/choice-" + choice, 0, domain);
  }
}

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
import org.emoflow.model.generate.Generation;
import org.emoflow.model.generate.Generator;
import org.emoflow.model.generate.Sampling;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;

/**
 * Generative tasks (GSM8K-like): the model continues each prompt greedily until EOS, the stop string or
 * {@code max_new_tokens}; the text before the stop string is scored against the reference answer by
 * {@link ExactMatch}. Beside it, the reference answer's loss given the prompt (teacher-forced, as a
 * multiple-choice choice is scored), a continuous measure that moves before exact match does.
 *
 * <p>A task file is JSONL, one example per line: {@code {"prompt": "...", "answer": "..."}} (other keys
 * are ignored). The answer follows the prompt verbatim when its loss is scored, so a separating space
 * belongs in the answer. A prompt too long for a row loses its oldest tokens so that it leaves room for
 * max_new_tokens and for the answer.
 */
public final class GenerativeTask {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** @param line 1-based line of the task file */
  public record Example(int line, String prompt, String answer) {}

  public record Tokenized(int line, int[] prompt, int[] answer, String answerText) {}

  /**
   * @param maxNewTokens tokens generated at most per example
   * @param stop the generation ends once its text holds this string, and is scored up to it ("" for none)
   */
  public record Settings(int maxNewTokens, String stop) {}

  /**
   * @param generatedTokens tokens generated over all examples (EOS not counted)
   * @param answerNats summed negative log-likelihood of the reference answers' tokens
   */
  public record Result(int examples, int exactMatches, long generatedTokens, double answerNats, long answerTokens,
      long answerBytes) {
    public double exactMatch() {
      return (double) exactMatches / examples;
    }

    public double loss() {
      return answerNats / answerTokens;
    }

    public double bitsPerByte() {
      return answerBytes == 0 ? Double.NaN : answerNats / (answerBytes * Math.log(2));
    }
  }

  private GenerativeTask() {}

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
    for (String field : List.of("prompt", "answer")) {
      if (!node.path(field).isTextual() || node.path(field).asText().isEmpty()) {
        throw new InvalidTaskException(where + "'" + field + "' must be a non-empty string");
      }
    }
    return new Example(number, node.path("prompt").asText(), node.path("answer").asText());
  }

  /** Tokens of every example, the prompt cut from the left to leave room for the answer and for generation. */
  public static List<Tokenized> tokenize(List<Example> examples, TextTokenizer tokenizer, int seqLen,
      int maxNewTokens) {
    if (maxNewTokens < 1 || maxNewTokens >= seqLen) {
      throw new IllegalArgumentException("max_new_tokens must be 1 to " + (seqLen - 1) + " (seq_len " + seqLen
          + " holds the prompt too), got " + maxNewTokens);
    }
    List<Tokenized> tokenized = new ArrayList<>();
    for (Example example : examples) {
      int[] answer = tokenizer.encode(example.answer());
      if (answer.length >= seqLen) {
        throw new IllegalArgumentException("line " + example.line() + ": an answer of " + answer.length
            + " tokens leaves no room for the prompt in rows of " + seqLen);
      }
      int[] prompt = tokenizer.encode(example.prompt());
      if (prompt.length == 0) {
        throw new IllegalArgumentException("line " + example.line() + ": the prompt tokenizes to nothing");
      }
      int keep = Math.min(prompt.length, seqLen - Math.max(answer.length, maxNewTokens));
      tokenized.add(new Tokenized(example.line(), Arrays.copyOfRange(prompt, prompt.length - keep, prompt.length),
          answer, example.answer()));
    }
    return tokenized;
  }

  /** Prompt + reference answer of each example, one segment each: calibration rows for expert selection. */
  public static List<PackedSequence> goldRows(List<Tokenized> examples, String domain, int seqLen, int padId) {
    List<SegmentPacker.Segment> segments = new ArrayList<>();
    for (Tokenized example : examples) {
      segments.add(new SegmentPacker.Segment(Continuations.joined(example.prompt(), example.answer()),
          "line-" + example.line(), 0, domain));
    }
    return SegmentPacker.pack(segments, seqLen, padId);
  }

  /**
   * Generates greedily for every example, {@code batchSize} prompts at a time, with the given restriction
   * (null: the full model), and scores the answers.
   *
   * @param eosId the end-of-document token (the prepared data's), which ends a generation
   * @param tokenizer decodes the generated tokens
   */
  public static Result score(LanguageModel model, List<Tokenized> examples, int batchSize,
      ExpertRestriction restriction, int[] tokenBytes, int padId, int eosId, Settings settings,
      TextTokenizer tokenizer) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to score");
    }
    String stop = settings.stop();
    Generator.Settings generation = new Generator.Settings(settings.maxNewTokens(), Sampling.GREEDY, eosId, Math.min(tokenizer.vocabSize(), model.config().vocabSize()),
        stop.isEmpty() ? null : generated -> tokenizer.decode(generated).contains(stop));
    int matches = 0;
    long generatedTokens = 0;
    for (int first = 0; first < examples.size(); first += batchSize) {
      List<Tokenized> batch = examples.subList(first, Math.min(examples.size(), first + batchSize));
      List<Generation> outputs =
          Generator.generate(model, restriction, batch.stream().map(Tokenized::prompt).toList(), first, generation);
      for (int i = 0; i < batch.size(); i++) {
        String text = ExactMatch.beforeStop(tokenizer.decode(outputs.get(i).tokens()), stop);
        matches += ExactMatch.matches(text, batch.get(i).answerText()) ? 1 : 0;
        generatedTokens += outputs.get(i).tokens().length;
      }
    }
    double[] logLikelihoods = Continuations.logLikelihoods(model, examples.stream().map(Tokenized::prompt).toList(),
        examples.stream().map(Tokenized::answer).toList(), batchSize, restriction, padId);
    double nats = 0;
    long tokens = 0;
    long bytes = 0;
    for (int i = 0; i < examples.size(); i++) {
      nats -= logLikelihoods[i];
      tokens += examples.get(i).answer().length;
      for (int token : examples.get(i).answer()) {
        bytes += tokenBytes == null ? 0 : tokenBytes[token];
      }
    }
    return new Result(examples.size(), matches, generatedTokens, nats, tokens, bytes);
  }
}

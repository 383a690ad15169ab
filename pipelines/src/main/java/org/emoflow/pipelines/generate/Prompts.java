package org.emoflow.pipelines.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * A prompts file: JSONL, one document to continue per line, {@code {"prompt": "...", "id": ...}} (id
 * optional, any JSON value; other keys ignored; blank lines skipped). Read whole and checked before the
 * model is loaded: a line that is not such an object, or a prompt that leaves no room in the model's rows,
 * is refused naming the file and line.
 */
final class Prompts {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param index 0-based among the file's prompts (seeds its sampling)
   * @param id the line's "id", else its line number
   */
  record Prompt(int index, int line, JsonNode id, String text, int[] tokens) {}

  private Prompts() {}

  static List<Prompt> read(Path file, TextTokenizer tokenizer, int seqLen) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw InvalidOptionException.of("prompts", file + " is not a file");
    }
    List<Prompt> prompts = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (!line.isBlank()) {
          prompts.add(parse(file, number, line, prompts.size(), tokenizer, seqLen));
        }
      }
    } catch (MalformedInputException e) {
      throw InvalidOptionException.of("prompts", file + " is not UTF-8 text");
    }
    if (prompts.isEmpty()) {
      throw InvalidOptionException.of("prompts", file + " holds no prompts");
    }
    return prompts;
  }

  private static Prompt parse(Path file, int number, String line, int index, TextTokenizer tokenizer, int seqLen) {
    String where = file + ":" + number + ": ";
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw InvalidOptionException.of("prompts", where + "not JSON (" + e.getOriginalMessage() + ")");
    }
    if (!node.path("prompt").isTextual() || node.path("prompt").asText().isEmpty()) {
      throw InvalidOptionException.of("prompts", where + "expected an object with a non-empty string 'prompt'");
    }
    String text = node.path("prompt").asText();
    int[] tokens = tokenizer.encode(text);
    if (tokens.length == 0 || tokens.length >= seqLen) {
      throw InvalidOptionException.of("prompts", where + "the prompt has " + tokens.length + " tokens; the model "
          + "takes 1 to " + (seqLen - 1) + " (seq_len " + seqLen + ", one position left to generate)");
    }
    JsonNode id = node.has("id") ? node.get("id") : IntNode.valueOf(number);
    return new Prompt(index, number, id, text, tokens);
  }
}

package org.emoflow.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task files are read strictly (the error names file and line) and fit to rows from the context's start. */
class MultipleChoiceTest {
  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path file = dir.resolve("task.jsonl");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void examplesAreReadSkippingBlankLinesUpToTheLimit() throws IOException {
    Path file = file("{\"context\": \"2 + 2 =\", \"choices\": [\" 4\", \" 5\"], \"answer\": 0, \"id\": \"q1\"}", "",
        "{\"context\": \"Paris is in\", \"choices\": [\" Spain\", \" France\", \" Peru\"], \"answer\": 1}",
        "{\"context\": \"x\", \"choices\": [\" y\", \" z\"], \"answer\": 1}");
    List<MultipleChoice.Example> two = MultipleChoice.read(file, 2);
    assertEquals(2, two.size());
    assertEquals(new MultipleChoice.Example(3, "Paris is in", List.of(" Spain", " France", " Peru"), 1), two.get(1));
    assertEquals(3, MultipleChoice.read(file, 0).size());
  }

  @Test
  void aBadLineIsRefusedByFileAndLine() throws IOException {
    String good = "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"answer\": 0}";
    for (String bad : List.of("{not json", "{\"choices\": [\" b\", \" c\"], \"answer\": 0}",
        "{\"context\": \"a\", \"choices\": [\" b\"], \"answer\": 0}",
        "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"answer\": 2}",
        "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"answer\": \"0\"}",
        "{\"context\": \"a\", \"choices\": [\" b\", 3], \"answer\": 0}")) {
      Path file = file(good, bad);
      InvalidTaskException e = assertThrows(InvalidTaskException.class, () -> MultipleChoice.read(file, 0), bad);
      assertTrue(e.getMessage().startsWith(file + ":2: "), e.getMessage());
    }
  }

  @Test
  void aLongContextLosesItsOldestTokensAlikeForEveryChoice() {
    try (TextTokenizer tokenizer = Tokenizers.load("r50k_base")) {
      String context = "one two three four five six seven eight nine ten";
      MultipleChoice.Example example = new MultipleChoice.Example(1, context, List.of(" eleven", " twelve thirteen"), 0);
      int[] contextTokens = tokenizer.encode(context);
      int longest = tokenizer.encode(" twelve thirteen").length;
      MultipleChoice.Tokenized fitted = MultipleChoice.tokenize(List.of(example), tokenizer, 8).get(0);
      assertArrayEquals(Arrays.copyOfRange(contextTokens, contextTokens.length - (8 - longest), contextTokens.length),
          fitted.context());
      assertArrayEquals(new int[] {" eleven".length(), " twelve thirteen".length()}, fitted.choiceUtf8Bytes());
      assertThrows(IllegalArgumentException.class,
          () -> MultipleChoice.tokenize(List.of(example), tokenizer, longest), "no room left for context");
    }
  }
}

package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare --tokenizer=<a trained tokenizer.json>: every document's pieces decode back to its text. */
class PrepareWithTrainedTokenizerTest {
  private static final int VOCAB_SIZE = 700;

  @TempDir Path directory;

  @Test
  void preparedPiecesDecodeBackToTheDocuments() throws IOException {
    TokenizerCorpus corpus = TokenizerCorpus.write(directory, 3, 25);
    Path tokenizerFile = directory.resolve("tokenizer.json");
    TokenizerTraining.run(new ByteArrayOutputStream(),
        "--input=" + corpus.glob(), "--output=" + tokenizerFile, "--vocab-size=" + VOCAB_SIZE);
    Path prepared = directory.resolve("prepared");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = Main.run(new String[] {"prepare", "--input=" + corpus.glob(), "--output=" + prepared,
        "--tokenizer=" + tokenizerFile, "--seq-len=64", "--validation-fraction=0.2"},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(ExitCodes.OK, status, err.toString(StandardCharsets.UTF_8));
    PreparedOutput output = new PreparedOutput(prepared);
    output.assertReconciles();
    Map<String, int[]> tokensById = new HashMap<>();
    for (Map<String, int[]> split : output.documents().values()) {
      split.forEach((id, tokens) -> assertNull(tokensById.put(id, tokens), id + " is in one split only"));
    }
    assertEquals(VOCAB_SIZE, output.manifest.path("settings").path("vocab_size").asInt());
    int eosId = output.manifest.path("settings").path("eos_id").asInt();
    assertEquals(VOCAB_SIZE - 1, eosId);
    assertEquals(corpus.texts().keySet(), tokensById.keySet());
    try (TextTokenizer tokenizer = Tokenizers.load(tokenizerFile.toString())) {
      corpus.texts().forEach((id, text) -> {
        int[] tokens = tokensById.get(id);
        assertEquals(eosId, tokens[tokens.length - 1], id + " ends with EOS");
        assertEquals(text, tokenizer.decode(Arrays.copyOf(tokens, tokens.length - 1)), id);
      });
    }
  }
}

package org.emoflow.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.prepare.PrepareOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPrepareTest {
  @TempDir Path dir;

  private Path yaml(String... lines) throws IOException {
    return Files.writeString(dir.resolve("run.yaml"), String.join("\n", lines) + "\n");
  }

  private String refusal(Path file) {
    return assertThrows(InvalidOptionException.class, () -> RunConfig.load(file, Files.readString(file)))
        .getMessage();
  }

  @Test
  void thePrepareSectionIsCheckedAsPreparesOwnOptionsWhenTheConfigLoads() throws IOException {
    Path outOfRange = yaml("output: out", "corpus: {sample: true}", "prepare:", "  packing: tight");
    assertEquals(outOfRange + ": prepare.packing: expected concat or bestfit, got 'tight'", refusal(outOfRange));

    Path setByRun = yaml("output: out", "corpus: {sample: true}", "prepare:", "  text_field: body");
    assertEquals(setByRun + ": prepare.text_field is set by the run itself (corpus:, tokenizer: and output: say it)",
        refusal(setByRun));

    Path unknown = yaml("output: out", "corpus: {sample: true}", "prepare:", "  seq_length: 64");
    String message = refusal(unknown);
    assertTrue(message.startsWith(unknown + ": prepare: ") && message.contains("seq-length"), message);
  }

  @Test
  void anOmittedSettingTakesPreparesDefault() throws IOException {
    Path omitted = yaml("output: out", "corpus: {sample: true}");
    PrepareOptions defaults = CommandLine.parse(new String[] {"--input=-", "--output=-"}, PrepareOptions.class);
    PrepareOptions run = RunPrepare.options(omitted, RunConfig.load(omitted, Files.readString(omitted)));
    assertEquals(1024, defaults.getSeqLen());
    assertEquals(defaults.getSeqLen(), run.getSeqLen());
    assertEquals(defaults.getValidationFraction(), run.getValidationFraction());
    assertEquals(defaults.getPackBucketTokens(), run.getPackBucketTokens());
  }

  @Test
  void theCorpusSectionGivesTheDocumentFields() throws IOException {
    Path file = yaml("output: out", "corpus: {inputs: [x.jsonl], text_field: body, max_document_bytes: 1000}",
        "prepare: {seq_len: 64, packing: bestfit}");
    PrepareOptions options = RunPrepare.options(file, RunConfig.load(file, Files.readString(file)));
    assertEquals(64, options.getSeqLen());
    assertEquals("bestfit", options.getPacking());
    assertEquals("body", options.getTextField());
    assertEquals("id", options.getIdField());
    assertEquals(1000, options.getMaxDocumentBytes());
  }
}

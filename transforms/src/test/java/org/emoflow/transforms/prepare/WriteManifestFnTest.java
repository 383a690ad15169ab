package org.emoflow.transforms.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.emoflow.schemas.InputFile;
import org.emoflow.transforms.TestPipelines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WriteManifestFn alone: the manifest it writes from given tallies and inputs, and its refusal of nothing packed. */
class WriteManifestFnTest {
  private static final PrepareSettings SETTINGS = new PrepareSettings("tok/tokenizer.json", null, 8, "bestfit", 0.25,
      "body", "doc_id", "source", 4096, 10_000, 3, 100);

  @TempDir Path directory;

  /** Runs the DoFn on one element, the output directory, as Prepare does once every data file is written. */
  private PCollection<String> writeManifest(Pipeline pipeline, Path output, TokenizerInfo tokenizer,
      Map<String, Long> tallies, List<InputFile> inputs) {
    PCollectionView<Map<String, Long>> talliesView = pipeline.apply("Tallies", Create.of(tallies)).apply(View.asMap());
    PCollectionView<List<InputFile>> inputsView = pipeline
        .apply("Inputs", Create.of(inputs).withCoder(AvroCoder.of(InputFile.class))).apply(View.asList());
    return pipeline.apply("Output", Create.of(output.toString()))
        .apply(ParDo.of(new WriteManifestFn(SETTINGS, tokenizer, output.toString(), System.currentTimeMillis(),
            "1.2.3", talliesView, inputsView)).withSideInputs(talliesView, inputsView));
  }

  @Test
  void theManifestGathersTheTalliesInputsAndSettings() throws IOException {
    Path output = directory.resolve("out");
    Files.createDirectories(output.resolve(TokenSpill.DIRECTORY));
    Files.writeString(output.resolve(TokenSpill.DIRECTORY).resolve("left.spill"), "tokens");
    Path tokenizerJson = Files.createDirectories(directory.resolve("tok")).resolve("tokenizer.json");
    Files.writeString(tokenizerJson, "{\"model\": {\"type\": \"BPE\"}}");
    TokenizerInfo tokenizer = new TokenizerInfo(tokenizerJson.toString(), "huggingface", "f1ng3r", 300, 2);
    Map<String, Long> tallies = Map.ofEntries(
        Map.entry("read", 5L), Map.entry("packed", 3L), Map.entry("rejected", 1L), Map.entry("blank_lines", 1L),
        Map.entry("reason:too_long", 1L),
        Map.entry("domain.read:x", 3L), Map.entry("domain.read:y", 2L),
        Map.entry("domain.packed:x", 2L), Map.entry("domain.packed:y", 1L), Map.entry("domain.rejected:y", 1L),
        Map.entry("domain.train_documents:x", 1L), Map.entry("domain.validation_documents:x", 1L),
        Map.entry("domain.train_documents:y", 1L),
        Map.entry("domain.tokens:x", 10L), Map.entry("domain.tokens:y", 4L),
        Map.entry("split.documents:train", 2L), Map.entry("split.documents:validation", 1L),
        Map.entry("split.pieces:train", 3L), Map.entry("split.pieces:validation", 1L),
        Map.entry("split.sequences:train", 2L), Map.entry("split.sequences:validation", 1L),
        Map.entry("split.tokens:train", 9L), Map.entry("split.tokens:validation", 5L),
        Map.entry("split.padding_tokens:train", 7L), Map.entry("split.padding_tokens:validation", 3L),
        Map.entry("no_documents:/in/empty.jsonl", 0L));
    List<InputFile> inputs = List.of(new InputFile("/in/b.jsonl", 20L, "bb"), new InputFile("/in/a.jsonl", 10L, "aa"),
        new InputFile("/in/empty.jsonl", 0L, "ee"));

    Pipeline pipeline = TestPipelines.create();
    PAssert.that(writeManifest(pipeline, output, tokenizer, tallies, inputs)).containsInAnyOrder(output.toString());
    TestPipelines.run(pipeline);

    ObjectMapper json = new ObjectMapper();
    ObjectNode manifest = (ObjectNode) json.readTree(output.resolve("manifest.json").toFile());
    // The two fields that depend on the clock: an ISO-8601 instant and a duration.
    Instant.parse(manifest.remove("created_at").asText());
    assertTrue(manifest.remove("elapsed_seconds").asDouble() >= 0);
    JsonNode expected = json.readTree("""
        {"format_version": 1, "emoflow_version": "1.2.3",
         "settings": {"tokenizer": "%s", "tokenizer_backend": "huggingface", "tokenizer_sha256": "f1ng3r",
           "vocab_size": 300, "eos_id": 2, "pad_id": 2, "seq_len": 8, "packing": "bestfit",
           "validation_fraction": 0.25, "domain_field": "source", "text_field": "body", "id_field": "doc_id",
           "max_document_bytes": 4096, "pack_bucket_tokens": 10000, "pack_buckets": 3},
         "documents": {"read": 5, "packed": 3, "rejected": 1, "blank_lines": 1},
         "domains": {
           "x": {"read": 3, "packed": 2, "rejected": 0, "train_documents": 1, "validation_documents": 1, "tokens": 10},
           "y": {"read": 2, "packed": 1, "rejected": 1, "train_documents": 1, "validation_documents": 0, "tokens": 4}},
         "rejected_by_reason": {"too_long": 1},
         "splits": {
           "train": {"documents": 2, "pieces": 3, "sequences": 2, "tokens": 9, "padding_tokens": 7},
           "validation": {"documents": 1, "pieces": 1, "sequences": 1, "tokens": 5, "padding_tokens": 3}},
         "inputs": [{"path": "/in/a.jsonl", "bytes": 10, "sha256": "aa"},
           {"path": "/in/b.jsonl", "bytes": 20, "sha256": "bb"}, {"path": "/in/empty.jsonl", "bytes": 0, "sha256": "ee"}],
         "files_without_documents": {"/in/empty.jsonl": 0}}
        """.formatted(tokenizerJson));
    assertEquals(expected, manifest);
    assertEquals(Files.readString(tokenizerJson), Files.readString(output.resolve("tokenizer.json")),
        "a Hugging Face tokenizer is kept beside the manifest");
    assertFalse(Files.exists(output.resolve(TokenSpill.DIRECTORY)), "the spilled tokens are deleted");
  }

  @Test
  void nothingPackedFailsNamingTheReasonsAndLeavesNoManifest() throws IOException {
    Path output = directory.resolve("out");
    Files.createDirectories(output.resolve(TokenSpill.DIRECTORY));
    TokenizerInfo tokenizer = new TokenizerInfo("r50k_base", "jtokkit", "r50k", 50_257, 50_256);
    Map<String, Long> tallies = Map.of("read", 2L, "rejected", 2L, "reason:too_long", 2L,
        "no_documents:/in/a.jsonl", 2L);

    Pipeline pipeline = TestPipelines.create();
    writeManifest(pipeline, output, tokenizer, tallies, List.of(new InputFile("/in/a.jsonl", 99L, "aa")));
    Pipeline.PipelineExecutionException failure =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> TestPipelines.run(pipeline));

    NothingToPackException cause = assertInstanceOf(NothingToPackException.class, failure.getCause());
    assertEquals("nothing to pack: 2 records read, all rejected (too_long: 2; see " + output + "/rejected); "
        + "no usable document in /in/a.jsonl (2 records, all rejected)", cause.getMessage());
    assertFalse(Files.exists(output.resolve("manifest.json")));
    assertFalse(Files.exists(output.resolve(TokenSpill.DIRECTORY)), "the spilled tokens are deleted");
  }
}

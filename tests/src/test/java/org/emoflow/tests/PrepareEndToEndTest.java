package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.schemas.TrainingSequence;
import org.emoflow.transforms.prepare.SplitHash;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ./emoflow prepare} end to end, on the DirectRunner and the embedded Flink runner. */
class PrepareEndToEndTest {
  private static final int SEQ_LEN = 64;

  @TempDir static Path work;
  static List<Corpora.Doc> corpus;
  static Path inputs;
  static Path trainedTokenizer;

  @BeforeAll
  static void writeCorpus() throws IOException {
    corpus = new ArrayList<>(Corpora.documents(16, 7));
    // A megabyte without whitespace: must neither stall the tokenizer nor be truncated.
    Random random = new Random(3);
    StringBuilder run = new StringBuilder();
    for (int i = 0; i < 1_000_000; i++) {
      run.append((char) ('a' + random.nextInt(26)));
    }
    corpus.add(new Corpora.Doc("pathological-0", "prose", run.toString()));
    inputs = work.resolve("corpus");
    Corpora.writeJsonl(inputs, corpus);
    // A real byte-level BPE tokenizer.json for the HuggingFace (DJL) backend; the last document is unseen.
    trainedTokenizer = Corpora.bpeTokenizer(corpus.subList(0, corpus.size() - 1), 700, work.resolve("bpe/tokenizer.json"));
  }

  static Stream<Arguments> packingAndTokenizer() {
    return Stream.of(
        Arguments.of("concat", "cl100k_base"),
        Arguments.of("bestfit", "cl100k_base"),
        Arguments.of("concat", "trained"),
        Arguments.of("bestfit", "trained"));
  }

  @ParameterizedTest(name = "{0} packing, {1} tokenizer")
  @MethodSource("packingAndTokenizer")
  void everyDocumentDecodesBackToItsTextFromItsPieces(String packing, String tokenizerName) throws IOException {
    String tokenizerSpec = tokenizerName.equals("trained") ? trainedTokenizer.toString() : tokenizerName;
    Path out = work.resolve("roundtrip-" + packing + "-" + tokenizerName);
    assertEquals(ExitCodes.OK, prepare(out, "--tokenizer=" + tokenizerSpec, "--packing=" + packing));
    PreparedOutput prepared = new PreparedOutput(out);
    prepared.assertReconciles();
    // Its documented parts and nothing else: no spilled tokens left (rejected/ only where something was).
    Set<String> parts = new HashSet<>(Set.of("manifest.json", "sequences", "rejected"));
    if (tokenizerName.equals("trained")) {
      parts.add("tokenizer.json");
    }
    try (Stream<Path> listed = Files.list(out)) {
      Set<String> found = listed.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      assertTrue(parts.containsAll(found) && found.containsAll(parts.stream().filter(p -> !p.equals("rejected")).toList()),
          found.toString());
    }
    Map<String, Map<String, int[]>> docs = prepared.documents();
    try (TextTokenizer tokenizer = Tokenizers.load(tokenizerSpec)) {
      long tokens = 0;
      for (Corpora.Doc doc : corpus) {
        int[] ids = docs.get("train").containsKey(doc.id()) ? docs.get("train").get(doc.id()) : docs.get("validation").get(doc.id());
        assertTrue(ids != null, doc.id() + " is missing");
        assertFalse(docs.get("train").containsKey(doc.id()) && docs.get("validation").containsKey(doc.id()));
        assertEquals(tokenizer.eosId(), ids[ids.length - 1], "every document ends with EOS");
        assertEquals(doc.text(), tokenizer.decode(Arrays.copyOf(ids, ids.length - 1)), doc.id());
        tokens += ids.length;
      }
      assertEquals(corpus.size(), docs.get("train").size() + docs.get("validation").size());
      JsonNode splits = prepared.manifest.path("splits");
      assertEquals(tokens, splits.path("train").path("tokens").asLong() + splits.path("validation").path("tokens").asLong());
      for (String split : List.of("train", "validation")) {
        long rows = prepared.rows.get(split).size();
        assertEquals(rows, splits.path(split).path("sequences").asLong());
        assertEquals(rows * SEQ_LEN, splits.path(split).path("tokens").asLong() + splits.path(split).path("padding_tokens").asLong());
      }
    }
    if (packing.equals("bestfit")) {
      Map<String, Integer> pieces = new HashMap<>();
      Map<String, Integer> lengths = new HashMap<>();
      for (List<TrainingSequence> rows : prepared.rows.values()) {
        for (TrainingSequence row : rows) {
          for (int s = 0; s < row.getDocIds().size(); s++) {
            pieces.merge(row.getDocIds().get(s), 1, Integer::sum);
            lengths.merge(row.getDocIds().get(s), row.getSegmentLengths().get(s), Integer::sum);
          }
        }
      }
      pieces.forEach((id, count) -> {
        if (lengths.get(id) <= SEQ_LEN) {
          assertEquals(1, count, id + " has " + lengths.get(id) + " tokens yet was split");
        }
      });
    }
  }

  @Test
  void theSplitIsAFunctionOfTheIdAndEveryDomainIsHeldOut() throws IOException {
    Path first = work.resolve("split-a");
    Path second = work.resolve("split-b");
    assertEquals(ExitCodes.OK, prepare(first, "--validation-fraction=0.2"));
    assertEquals(ExitCodes.OK, prepare(second, "--validation-fraction=0.2"));
    PreparedOutput a = new PreparedOutput(first);
    PreparedOutput b = new PreparedOutput(second);
    for (String split : List.of("train", "validation")) {
      assertEquals(a.canonicalRows(split), b.canonicalRows(split), split + " rows differ between runs");
    }
    Set<String> heldOut = a.documents().get("validation").keySet();
    for (Corpora.Doc doc : corpus) {
      if (SplitHash.isValidation(SplitHash.of(doc.id()), 0.2)) {
        assertTrue(heldOut.contains(doc.id()), doc.id() + " hashes into validation");
      }
    }
    for (String domain : List.of("prose", "code", "spanish", "mixed")) {
      assertTrue(a.manifest.path("domains").path(domain).path("validation_documents").asLong() > 0, domain);
    }
  }

  @Test
  void aDomainTheHashLeavesWithoutValidationStillGetsOneHeldOutDocument() throws IOException {
    Path dir = work.resolve("tiny-domain");
    List<Corpora.Doc> docs = List.of(new Corpora.Doc("solo-a", "rare", "first"), new Corpora.Doc("solo-b", "rare", "second"),
        new Corpora.Doc("c", "common", "third"));
    Corpora.writeJsonl(dir, docs);
    Path out = work.resolve("tiny-domain-out");
    assertEquals(ExitCodes.OK, run("prepare", "--input=" + dir + "/*", "--output=" + out, "--seq-len=16",
        "--validation-fraction=0.0001"));
    JsonNode rare = new PreparedOutput(out).manifest.path("domains").path("rare");
    assertEquals(1, rare.path("validation_documents").asLong());
    assertEquals(1, rare.path("train_documents").asLong());
  }

  @Test
  void badInputIsRejectedWithItsReasonAndNothingIsLost() throws IOException {
    Path dir = work.resolve("bad");
    Files.createDirectories(dir);
    List<Corpora.Doc> good = Corpora.documents(3, 11);
    String lines = String.join("\n",
        Corpora.line(good.get(0)),
        "{\"id\": \"broken\", \"text\": ",
        "",
        "[\"an\", \"array\"]",
        "{\"id\": \"no-text\", \"source\": \"prose\"}",
        "{\"id\": \"numeric\", \"text\": 12, \"source\": \"code\"}",
        "{\"id\": \"empty\", \"text\": \"\", \"source\": \"prose\"}",
        "   ",
        "{\"id\": \"huge\", \"text\": \"" + "y".repeat(50_000) + "\"}",
        Corpora.line(good.get(1)),
        "");
    Corpora.write(dir.resolve("mixed.jsonl"), lines);
    Files.write(dir.resolve("latin1.jsonl"), "{\"id\": \"latin\", \"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
    StringBuilder many = new StringBuilder();
    for (Corpora.Doc doc : Corpora.documents(40, 12)) {
      many.append(Corpora.line(new Corpora.Doc("cut-" + doc.id(), doc.domain(), doc.text()))).append('\n');
    }
    Path gz = dir.resolve("cut.jsonl.gz");
    Corpora.write(gz, many.toString());
    byte[] whole = Files.readAllBytes(gz);
    Files.write(gz, Arrays.copyOf(whole, whole.length * 2 / 3));
    Files.write(dir.resolve("fake.parquet"), "PAR1 not parquet at all".getBytes(StandardCharsets.UTF_8));

    Path out = work.resolve("bad-out");
    assertEquals(ExitCodes.OK, run("prepare", "--input=" + dir + "/*", "--output=" + out, "--seq-len=" + SEQ_LEN,
        "--max-document-bytes=30000"));
    PreparedOutput prepared = new PreparedOutput(out);
    prepared.assertReconciles();
    JsonNode reasons = prepared.manifest.path("rejected_by_reason");
    Map<String, Long> expected = Map.of("malformed_json", 1L, "not_an_object", 1L, "missing_text", 1L,
        "non_string_text", 1L, "empty_text", 1L, "too_large", 1L, "invalid_utf8", 1L, "corrupt_file", 2L);
    expected.forEach((reason, count) -> assertEquals(count, reasons.path(reason).asLong(), reason));
    assertEquals(expected.size(), reasons.size());
    assertEquals(2, prepared.manifest.path("documents").path("blank_lines").asLong());
    List<RejectedDocument> rejected = prepared.rejected();
    assertEquals(9, rejected.size());
    Map<String, RejectedDocument> byReason = rejected.stream().collect(Collectors.toMap(
        RejectedDocument::getReason, r -> r, (x, y) -> x));
    assertEquals(2L, byReason.get("malformed_json").getLine());
    assertTrue(byReason.get("malformed_json").getSourceFile().endsWith("mixed.jsonl"));
    assertEquals("numeric", byReason.get("non_string_text").getDocId());
    assertEquals(9L, byReason.get("too_large").getLine());
    Set<String> corruptFiles = new HashSet<>();
    rejected.stream().filter(r -> r.getReason().equals("corrupt_file")).forEach(r -> corruptFiles.add(
        Path.of(r.getSourceFile()).getFileName().toString()));
    assertEquals(Set.of("cut.jsonl.gz", "fake.parquet"), corruptFiles);
    Set<String> packed = new HashSet<>(prepared.documents().get("train").keySet());
    packed.addAll(prepared.documents().get("validation").keySet());
    assertTrue(packed.containsAll(List.of(good.get(0).id(), good.get(1).id())), "good documents around bad ones survive");
  }

  @Test
  void inputFilesWithoutAUsableDocumentAreNamedAndNothingPackedIsRefused() throws IOException {
    Path dir = work.resolve("unusable");
    Files.createDirectories(dir);
    Path empty = Files.write(dir.resolve("empty.jsonl"), new byte[0]);
    byte[] binary = new byte[4096];
    new Random(5).nextBytes(binary);
    Path blob = Files.write(dir.resolve("blob.jsonl"), binary);
    Corpora.write(dir.resolve("good.jsonl"), Corpora.documents(2, 13).stream().map(Corpora::line)
        .collect(Collectors.joining("\n", "", "\n")));

    Path out = work.resolve("unusable-out");
    Captured partly = captured("prepare", "--input=" + dir + "/*", "--output=" + out, "--seq-len=" + SEQ_LEN);
    assertEquals(ExitCodes.OK, partly.status(), partly.err());
    PreparedOutput prepared = new PreparedOutput(out);
    prepared.assertReconciles();
    JsonNode without = prepared.manifest.path("files_without_documents");
    long blobRecords = prepared.rejected().stream().filter(r -> r.getSourceFile().equals(blob.toString())).count();
    assertTrue(blobRecords > 0, "the binary file's lines are rejected");
    assertEquals(Map.of(empty.toString(), 0L, blob.toString(), blobRecords),
        Map.of(empty.toString(), without.path(empty.toString()).asLong(-1), blob.toString(),
            without.path(blob.toString()).asLong(-1)));
    assertEquals(2, without.size(), without.toString());
    String warning = partly.err().lines().filter(l -> l.contains("WARNING")).collect(Collectors.joining("\n"));
    assertTrue(warning.contains("2 of 3 input files gave no usable document") && warning.contains(empty + " (empty)")
        && warning.contains(blob + " (" + blobRecords + " records, all rejected)"), partly.err());

    Path none = work.resolve("nothing-usable");
    Files.createDirectories(none);
    Files.copy(empty, none.resolve("empty.jsonl"));
    Files.copy(blob, none.resolve("blob.jsonl"));
    Path refusedOut = work.resolve("nothing-usable-out");
    Captured refused = captured("prepare", "--input=" + none + "/*", "--output=" + refusedOut, "--seq-len=" + SEQ_LEN);
    assertEquals(ExitCodes.BAD_OPTION, refused.status(), refused.err());
    String line = refused.err().lines().filter(l -> l.startsWith("emoflow prepare: ")).findFirst().orElse(refused.err());
    assertTrue(line.startsWith("emoflow prepare: --input: nothing to pack: " + blobRecords + " records read, all rejected")
        && line.contains(none.resolve("empty.jsonl") + " (empty)") && line.contains(none.resolve("blob.jsonl").toString()),
        refused.err());
    assertFalse(Files.exists(refusedOut.resolve("manifest.json")), "no finished-looking dataset");
    assertFalse(Files.exists(refusedOut.resolve("_spill")), "no spilled tokens left");
  }

  private record Captured(int status, String err) {}

  private static Captured captured(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    try {
      int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()), capture);
      return new Captured(status, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void directAndFlinkWriteTheSameRows() throws IOException {
    Path direct = work.resolve("runner-direct");
    Path flink = work.resolve("runner-flink");
    // Small buckets: each gathers documents spilled by several input files, on both runners.
    String buckets = "--pack-bucket-tokens=20000";
    assertEquals(ExitCodes.OK, prepare(direct, "--packing=bestfit", buckets));
    assertEquals(ExitCodes.OK, prepare(flink, "--packing=bestfit", buckets, "--runner=FlinkRunner",
        "--flinkMaster=[local]", "--parallelism=2"));
    PreparedOutput a = new PreparedOutput(direct);
    PreparedOutput b = new PreparedOutput(flink);
    assertTrue(a.manifest.path("settings").path("pack_buckets").asInt() >= 8, a.manifest.path("settings").toString());
    a.assertReconciles();
    b.assertReconciles();
    Map<String, Map<String, int[]>> docs = a.documents();
    assertEquals(corpus.size(), docs.get("train").size() + docs.get("validation").size(), "every document, once");
    for (String split : List.of("train", "validation")) {
      assertFalse(a.rows.get(split).isEmpty());
      assertEquals(a.canonicalRows(split), b.canonicalRows(split), split);
    }
    assertEquals(a.manifest.path("documents"), b.manifest.path("documents"));
    assertEquals(a.manifest.path("domains"), b.manifest.path("domains"));
  }

  @Test
  void spreadingTheDocumentsOverManyFilesChangesNoRow() throws IOException {
    Path spread = work.resolve("spread-corpus");
    Corpora.writeJsonlSpread(spread, corpus, 70);  // more files than read groups: groups of several files
    Path fromThree = work.resolve("from-three-files");
    Path fromSeventy = work.resolve("from-seventy-files");
    assertEquals(ExitCodes.OK, prepare(fromThree));
    assertEquals(ExitCodes.OK, run("prepare", "--input=" + spread + "/*", "--output=" + fromSeventy, "--seq-len=" + SEQ_LEN));
    PreparedOutput three = new PreparedOutput(fromThree);
    PreparedOutput seventy = new PreparedOutput(fromSeventy);
    assertEquals(70, seventy.manifest.path("inputs").size());
    assertEquals(1, three.manifest.path("settings").path("pack_buckets").asInt());
    assertEquals(1, seventy.manifest.path("settings").path("pack_buckets").asInt());
    for (String split : List.of("train", "validation")) {
      assertFalse(three.rows.get(split).isEmpty());
      assertEquals(three.canonicalRows(split), seventy.canonicalRows(split), split);
    }
    assertEquals(three.manifest.path("domains"), seventy.manifest.path("domains"));
  }

  @Test
  void whatAFailedRunLeftBehindIsClearedByTheNext() throws IOException {
    Path out = work.resolve("after-a-failure");
    Path spilled = out.resolve("_spill/left-by-a-failed-run.spill");
    Path stalePart = out.resolve("sequences/split=train/part-99999-000.parquet");
    Files.createDirectories(spilled.getParent());
    Files.createDirectories(stalePart.getParent());
    Files.writeString(spilled, "tokens of a run that never finished");
    Files.writeString(stalePart, "not parquet");
    assertEquals(ExitCodes.OK, prepare(out));
    assertFalse(Files.exists(out.resolve("_spill")), "spilled tokens are gone");
    assertFalse(Files.exists(stalePart), "a part of the failed run is gone");
    new PreparedOutput(out).assertReconciles();
  }

  @Test
  void theManifestRecordsSettingsAndInputChecksums() throws IOException {
    Path out = work.resolve("manifest");
    assertEquals(ExitCodes.OK, prepare(out));
    JsonNode manifest = new PreparedOutput(out).manifest;
    JsonNode settings = manifest.path("settings");
    assertEquals("cl100k_base", settings.path("tokenizer").asText());
    assertEquals(100257, settings.path("eos_id").asInt());
    assertEquals(100277, settings.path("vocab_size").asInt());
    assertEquals(SEQ_LEN, settings.path("seq_len").asInt());
    assertEquals("concat", settings.path("packing").asText());
    assertEquals(3, manifest.path("inputs").size());
    for (JsonNode input : manifest.path("inputs")) {
      Path file = Path.of(input.path("path").asText());
      assertEquals(Files.size(file), input.path("bytes").asLong());
      assertEquals(org.emoflow.model.io.Checksums.sha256(file), input.path("sha256").asText());
    }
  }

  @Test
  void badOptionsAreRefusedBeforeAnyWork() throws IOException {
    Path out = work.resolve("never-written");
    assertRefused("--packing", "prepare", "--input=" + inputs + "/*", "--output=" + out, "--packing=zigzag");
    assertRefused("--input", "prepare", "--input=" + work.resolve("nothing-here") + "/*.jsonl", "--output=" + out);
    assertRefused("--seq-len", "prepare", "--input=" + inputs + "/*", "--output=" + out, "--seq-len=2");
    assertRefused("--no-such-option", "prepare", "--input=" + inputs + "/*", "--output=" + out, "--no-such-option=1");
    assertRefused("--tokenizer", "prepare", "--input=" + inputs + "/*", "--output=" + out, "--tokenizer=" + work.resolve("missing.json"));
    assertFalse(Files.exists(out), "nothing written for refused options");
    Path done = work.resolve("done");
    assertEquals(ExitCodes.OK, prepare(done));
    assertRefused("--output", "prepare", "--input=" + inputs + "/*", "--output=" + done);
  }

  private static void assertRefused(String option, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_OPTION, status, message);
    assertTrue(message.contains(option), message);
    assertEquals(1, message.strip().lines().count(), "one line: " + message);
  }

  private static int prepare(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of("prepare", "--input=" + inputs + "/*", "--output=" + out,
        "--seq-len=" + SEQ_LEN));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  static int run(String... args) {
    return Main.run(args, System.out, System.err);
  }
}

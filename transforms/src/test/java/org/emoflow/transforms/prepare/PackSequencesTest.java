package org.emoflow.transforms.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;
import org.emoflow.transforms.TestPipelines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PackSequences alone, on four spilled documents of one bucket: the split (by hash, plus the per-domain
 * holdout), the packing order, the rows written and the tallies, all worked out by hand.
 */
class PackSequencesTest {
  private static final int SEQ_LEN = 6;
  private static final int PAD = 0;
  /** unit(hash) < 0.5 is validation: a small positive hash is, a negative one (unit close to 1) is not. */
  private static final double VALIDATION_FRACTION = 0.5;

  @TempDir Path output;

  private static TokenizedDocument doc(String id, String domain, long hash, int... tokens) {
    return new TokenizedDocument(id, domain, tokens, hash, "in.jsonl", id.charAt(0) - 'a' + 1);
  }

  @Test
  void splitsPacksAndCountsABucketAsWorkedOutByHand() throws IOException {
    List<TokenizedDocument> docs = List.of(
        doc("a", "x", -3, 5, 6, 7, 1),
        doc("b", "y", -2, 8, 9, 10, 11, 12, 1),
        doc("c", "x", 1 << 20, 13, 1),
        doc("d", "y", -1, 14, 15, 1));
    TokenSpill.Writer spill = new TokenSpill.Writer(output.toString(), 1, Long.MAX_VALUE);
    for (TokenizedDocument doc : docs) {
      spill.add(doc);
    }
    List<KV<Integer, TokenSpill.Segment>> segments = spill.flush();
    List<KV<String, DomainHoldout.Candidate>> facts = new ArrayList<>();
    for (TokenizedDocument doc : docs) {
      facts.add(KV.of(doc.domain(), new DomainHoldout.Candidate(doc.hash(), doc.location(),
          SplitHash.isValidation(doc.hash(), VALIDATION_FRACTION))));
    }
    PrepareSettings settings = new PrepareSettings("r50k_base", null, SEQ_LEN, "concat", VALIDATION_FRACTION,
        "text", "id", "domain", 1 << 20, 1 << 20, 1, 100);

    Pipeline pipeline = TestPipelines.create();
    PCollectionTuple packed = PCollectionTuple
        .of(ReadAndTokenize.SPILLED, pipeline.apply("Spilled",
            Create.of(segments).withCoder(KvCoder.of(VarIntCoder.of(), new TokenSpill.SegmentCoder()))))
        .and(ReadAndTokenize.SPLIT_FACTS, pipeline.apply("SplitFacts", Create.of(facts)
            .withCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(DomainHoldout.Candidate.class)))))
        .apply(new PackSequences(settings, PAD, output.toString()));
    String train = output.resolve("sequences/split=train/part-00000-000.parquet").toString();
    String validation = output.resolve("sequences/split=validation/part-00000-000.parquet").toString();
    PAssert.that(packed.get(PackSequences.FILES)).containsInAnyOrder(train, validation);
    // c is validation by its hash; y has no such document, so b (the smaller hash of b and d) is held out.
    // Train a, d: 4 + 3 tokens; validation b, c: 6 + 2. One element per name: the bucket counts them once.
    PAssert.that(packed.get(Tallies.TAG)).containsInAnyOrder(
        KV.of("packed", 4L),
        KV.of("domain.packed:x", 2L), KV.of("domain.packed:y", 2L),
        KV.of("domain.tokens:x", 6L), KV.of("domain.tokens:y", 9L),
        KV.of("domain.train_documents:x", 1L), KV.of("domain.train_documents:y", 1L),
        KV.of("domain.validation_documents:x", 1L), KV.of("domain.validation_documents:y", 1L),
        KV.of("split.documents:train", 2L), KV.of("split.documents:validation", 2L),
        KV.of("split.sequences:train", 2L), KV.of("split.sequences:validation", 2L),
        KV.of("split.tokens:train", 7L), KV.of("split.tokens:validation", 8L),
        KV.of("split.padding_tokens:train", 5L), KV.of("split.padding_tokens:validation", 4L),
        KV.of("split.pieces:train", 3L), KV.of("split.pieces:validation", 2L));
    TestPipelines.run(pipeline);

    // Concat in hash order: d does not fit after a, its last token starts the next row at offset 2.
    assertEquals(List.of(
        row(List.of(5, 6, 7, 1, 14, 15), List.of(4, 2), List.of("a", "d"), List.of(0, 0), List.of("x", "y")),
        row(List.of(1, PAD, PAD, PAD, PAD, PAD), List.of(1), List.of("d"), List.of(2), List.of("y"))),
        ParquetFiles.<TrainingSequence>readAll(Path.of(train)));
    assertEquals(List.of(
        row(List.of(8, 9, 10, 11, 12, 1), List.of(6), List.of("b"), List.of(0), List.of("y")),
        row(List.of(13, 1, PAD, PAD, PAD, PAD), List.of(2), List.of("c"), List.of(0), List.of("x"))),
        ParquetFiles.<TrainingSequence>readAll(Path.of(validation)));
    assertEquals(List.of(), Arrays.asList(hiddenFiles(output.resolve("sequences/split=train"))),
        "no temporary file left beside the data");
  }

  private static TrainingSequence row(List<Integer> tokens, List<Integer> lengths, List<String> docIds,
      List<Integer> offsets, List<String> domains) {
    return new TrainingSequence(tokens, lengths, docIds, offsets, domains);
  }

  private static String[] hiddenFiles(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(name -> name.startsWith(".")).toArray(String[]::new);
    }
  }
}

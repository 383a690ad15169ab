package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.packing.SequencePacker;
import org.emoflow.schemas.TrainingSequence;

/**
 * Tokenized documents ({@link ReadAndTokenize}'s spilled segments and split facts) to train and
 * validation rows of exactly L tokens, written as Parquet under {@code OUTPUT/sequences/split=S/}.
 * Documents go to a fixed number of buckets by their id hash; each bucket is sorted by that hash, split
 * into train and validation, packed and written on one worker ({@link BucketFiles}). The rows are
 * therefore the same on every runner and parallelism, and a worker holds one bucket at a time. Each
 * bucket pads its own last row (concat): negligible at millions of tokens per bucket. The output is the
 * names of the files written.
 *
 * <p>The split is decided here, after grouping, and not before: the per-domain holdout is a side input,
 * and a side input ahead of a GroupByKey makes the DirectRunner replay elements one per bundle, each
 * bundle then copying the whole buffered group (quadratic).
 */
public final class PackSequences extends PTransform<PCollectionTuple, PCollectionTuple> {
  public static final TupleTag<String> FILES = new TupleTag<>("files") {};

  private final PrepareSettings settings;
  private final int padId;
  private final String output;

  public PackSequences(PrepareSettings settings, int padId, String output) {
    this.settings = settings;
    this.padId = padId;
    this.output = output;
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple tokenized) {
    PCollectionView<Map<String, String>> holdouts = tokenized.get(ReadAndTokenize.SPLIT_FACTS)
        .apply("HoldoutPerDomain", Combine.perKey(new DomainHoldout()))
        .apply("HoldoutsAsMap", View.asMap());
    PCollectionTuple packed = tokenized.get(ReadAndTokenize.SPILLED)
        .apply("GroupBuckets", GroupByKey.create())
        .apply("PackBucket", ParDo.of(new PackBucketFn(settings, padId, output, holdouts))
            .withSideInputs(holdouts)
            .withOutputTags(FILES, TupleTagList.of(Tallies.TAG)));
    packed.get(FILES).setCoder(StringUtf8Coder.of());
    return packed;
  }

  static final class PackBucketFn extends DoFn<KV<Integer, Iterable<TokenSpill.Segment>>, String> {
    private final PrepareSettings settings;
    private final int padId;
    private final String output;
    private final PCollectionView<Map<String, String>> holdouts;

    PackBucketFn(PrepareSettings settings, int padId, String output, PCollectionView<Map<String, String>> holdouts) {
      this.settings = settings;
      this.padId = padId;
      this.output = output;
      this.holdouts = holdouts;
    }

    @ProcessElement
    public void process(ProcessContext context) throws IOException {
      Map<String, String> holdout = context.sideInput(holdouts);
      List<TokenizedDocument> train = new ArrayList<>();
      List<TokenizedDocument> validation = new ArrayList<>();
      for (TokenizedDocument doc : TokenSpill.read(context.element().getValue())) {
        boolean heldOut = SplitHash.isValidation(doc.hash(), settings.validationFraction())
            || doc.location().equals(holdout.get(doc.domain()));
        (heldOut ? validation : train).add(doc);
      }
      Tallies tallies = new Tallies();
      int bucket = context.element().getKey();
      pack(PreparedDataset.TRAIN, train, bucket, context, tallies);
      pack(PreparedDataset.VALIDATION, validation, bucket, context, tallies);
      tallies.emit(context);
    }

    private void pack(String split, List<TokenizedDocument> documents, int bucket, ProcessContext context,
        Tallies tallies) throws IOException {
      documents.sort(TokenizedDocument.PACKING_ORDER);
      for (TokenizedDocument doc : documents) {
        tallies.add("packed", 1);
        tallies.add("domain.packed:" + doc.domain(), 1);
        tallies.add("domain.tokens:" + doc.domain(), doc.tokens().length);
        tallies.add("domain." + split + "_documents:" + doc.domain(), 1);
        tallies.add("split.documents:" + split, 1);
      }
      SequencePacker packer = SequencePacker.of(settings.packing(), settings.seqLen(), padId);
      try (BucketFiles files = new BucketFiles(output + "/sequences/split=" + split, bucket, settings.rowsPerFile())) {
        packer.pack(documents.stream().map(TokenizedDocument::packable).toList(), row -> {
          try {
            files.write(toRecord(row));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          int used = row.usedTokens();
          tallies.add("split.sequences:" + split, 1);
          tallies.add("split.tokens:" + split, used);
          tallies.add("split.padding_tokens:" + split, row.length() - used);
          tallies.add("split.pieces:" + split, row.segmentLengths().length);
          PrepareProgress.sequencesPacked(1);
        });
        for (String file : files.finish()) {
          context.output(FILES, file);
        }
      }
    }

    static TrainingSequence toRecord(PackedSequence row) {
      return new TrainingSequence(
          boxed(row.tokens()), boxed(row.segmentLengths()), List.of(row.docIds()), boxed(row.docOffsets()),
          List.of(row.domains()));
    }

    private static List<Integer> boxed(int[] values) {
      List<Integer> list = new ArrayList<>(values.length);
      for (int value : values) {
        list.add(value);
      }
      return list;
    }
  }
}

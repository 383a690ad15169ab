package org.emoflow.transforms.prepare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.packing.SequencePacker;
import org.emoflow.schemas.TrainingSequence;

/**
 * Tokenized documents to rows of exactly L tokens, per split. Documents are spread over buckets of
 * about {@code packBucketTokens} tokens by their id hash; each bucket is sorted by that hash and packed
 * on one worker. The output is therefore the same on every runner and parallelism, and a worker holds
 * one bucket at a time. Each bucket pads its own last row (concat), a negligible cost at bucket sizes
 * of millions of tokens.
 */
public final class PackSequences extends PTransform<PCollection<TokenizedDocument>, PCollectionTuple> {
  public static final TupleTag<TrainingSequence> TRAIN = new TupleTag<>("train") {};
  public static final TupleTag<TrainingSequence> VALIDATION = new TupleTag<>("validation") {};

  private final PrepareSettings settings;
  private final int padId;

  public PackSequences(PrepareSettings settings, int padId) {
    this.settings = settings;
    this.padId = padId;
  }

  @Override
  public PCollectionTuple expand(PCollection<TokenizedDocument> documents) {
    PCollectionView<Map<String, Long>> splitTokens = documents
        .apply("TokensPerSplit", MapElements
            .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
            .via(doc -> KV.of(doc.split(), (long) doc.tokens().length)))
        .apply("Sum", Sum.longsPerKey())
        .apply("AsMap", View.asMap());
    PCollectionTuple packed = documents
        .apply("AssignBucket", ParDo.of(new AssignBucketFn(settings.packBucketTokens(), splitTokens))
            .withSideInputs(splitTokens))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), new TokenizedDocument.Coder()))
        .apply("GroupBuckets", GroupByKey.create())
        .apply("PackBucket", ParDo.of(new PackBucketFn(settings, padId))
            .withOutputTags(TRAIN, TupleTagList.of(VALIDATION).and(Tallies.TAG)));
    packed.get(TRAIN).setCoder(AvroCoder.of(TrainingSequence.class));
    packed.get(VALIDATION).setCoder(AvroCoder.of(TrainingSequence.class));
    return packed;
  }

  /** Keys each document by split and bucket; the bucket count follows from the split's token total. */
  static final class AssignBucketFn extends DoFn<TokenizedDocument, KV<String, TokenizedDocument>> {
    private final long bucketTokens;
    private final PCollectionView<Map<String, Long>> splitTokens;

    AssignBucketFn(long bucketTokens, PCollectionView<Map<String, Long>> splitTokens) {
      this.bucketTokens = bucketTokens;
      this.splitTokens = splitTokens;
    }

    @ProcessElement
    public void process(ProcessContext context) {
      TokenizedDocument doc = context.element();
      long total = context.sideInput(splitTokens).getOrDefault(doc.split(), 0L);
      long buckets = Math.max(1, (total + bucketTokens - 1) / bucketTokens);
      context.output(KV.of(doc.split() + "/" + Long.remainderUnsigned(doc.hash(), buckets), doc));
    }
  }

  static final class PackBucketFn extends DoFn<KV<String, Iterable<TokenizedDocument>>, TrainingSequence> {
    private final PrepareSettings settings;
    private final int padId;

    PackBucketFn(PrepareSettings settings, int padId) {
      this.settings = settings;
      this.padId = padId;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<TokenizedDocument>> bucket, MultiOutputReceiver out) {
      List<TokenizedDocument> documents = new ArrayList<>();
      bucket.getValue().forEach(documents::add);
      documents.sort(TokenizedDocument.PACKING_ORDER);
      String split = documents.get(0).split();
      TupleTag<TrainingSequence> tag = split.equals(PreparedDataset.VALIDATION) ? VALIDATION : TRAIN;
      Tallies tallies = new Tallies();
      for (TokenizedDocument doc : documents) {
        tallies.add("packed", 1);
        tallies.add("domain.packed:" + doc.domain(), 1);
        tallies.add("domain.tokens:" + doc.domain(), doc.tokens().length);
        tallies.add("domain." + split + "_documents:" + doc.domain(), 1);
        tallies.add("split.documents:" + split, 1);
      }
      SequencePacker packer = SequencePacker.of(settings.packing(), settings.seqLen(), padId);
      packer.pack(documents.stream().map(TokenizedDocument::packable).toList(), row -> {
        out.get(tag).output(toRecord(row));
        int used = row.usedTokens();
        tallies.add("split.sequences:" + split, 1);
        tallies.add("split.tokens:" + split, used);
        tallies.add("split.padding_tokens:" + split, row.length() - used);
        tallies.add("split.pieces:" + split, row.segmentLengths().length);
        PrepareProgress.sequencesPacked(1);
      });
      tallies.emit(out);
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

package org.emoflow.transforms.prepare;

import java.util.Arrays;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.RejectReason;

/**
 * Documents to token ids ending with EOS, each assigned to train or validation by the hash of its id
 * (plus the one held-out document of any domain the hash left without one).
 */
public final class TokenizeDocuments extends PTransform<PCollection<Document>, PCollectionTuple> {
  public static final TupleTag<TokenizedDocument> TOKENIZED = new TupleTag<>("tokenized") {};
  public static final TupleTag<RejectedDocument> REJECTED = new TupleTag<>("tokenizer-rejected") {};

  private final PrepareSettings settings;

  public TokenizeDocuments(PrepareSettings settings) {
    this.settings = settings;
  }

  @Override
  public PCollectionTuple expand(PCollection<Document> documents) {
    double fraction = settings.validationFraction();
    PCollectionView<Map<String, String>> holdouts = documents
        .apply("SplitFacts", MapElements.into(TypeDescriptors.kvs(
                TypeDescriptors.strings(), org.apache.beam.sdk.values.TypeDescriptor.of(DomainHoldout.Candidate.class)))
            .via(doc -> {
              long hash = SplitHash.of(doc.id());
              return KV.of(doc.domain(),
                  new DomainHoldout.Candidate(hash, doc.location(), SplitHash.isValidation(hash, fraction)));
            }))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(DomainHoldout.Candidate.class)))
        .apply("HoldoutPerDomain", Combine.perKey(new DomainHoldout()))
        .apply("AsMap", View.asMap());
    PCollectionTuple tokenized = documents.apply("Tokenize",
        ParDo.of(new TokenizeFn(settings, holdouts))
            .withSideInputs(holdouts)
            .withOutputTags(TOKENIZED, TupleTagList.of(REJECTED).and(Tallies.TAG)));
    tokenized.get(TOKENIZED).setCoder(new TokenizedDocument.Coder());
    tokenized.get(REJECTED).setCoder(AvroCoder.of(RejectedDocument.class));
    return tokenized;
  }

  static final class TokenizeFn extends DoFn<Document, TokenizedDocument> {
    private final PrepareSettings settings;
    private final PCollectionView<Map<String, String>> holdouts;
    private final Counter tokens = Metrics.counter("prepare", "tokens");
    private transient TextTokenizer tokenizer;

    TokenizeFn(PrepareSettings settings, PCollectionView<Map<String, String>> holdouts) {
      this.settings = settings;
      this.holdouts = holdouts;
    }

    @Setup
    public void setup() {
      tokenizer = Tokenizers.load(settings.tokenizer(), settings.eosToken());
    }

    @ProcessElement
    public void process(ProcessContext context) {
      Document doc = context.element();
      int[] ids;
      try {
        ids = tokenizer.encode(doc.text());
      } catch (RuntimeException e) {
        context.output(REJECTED, new RejectedDocument(
            doc.sourceFile(), doc.line(), doc.id(), RejectReason.TOKENIZER_ERROR.code(), String.valueOf(e)));
        Tallies tallies = new Tallies();
        tallies.addRejection(doc.domain(), RejectReason.TOKENIZER_ERROR.code());
        tallies.emit(context);
        return;
      }
      int[] withEos = Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = tokenizer.eosId();
      long hash = SplitHash.of(doc.id());
      boolean validation = SplitHash.isValidation(hash, settings.validationFraction())
          || doc.location().equals(context.sideInput(holdouts).get(doc.domain()));
      String split = validation ? PreparedDataset.VALIDATION : PreparedDataset.TRAIN;
      context.output(new TokenizedDocument(doc.id(), doc.domain(), split, withEos, hash, doc.sourceFile(), doc.line()));
      tokens.inc(withEos.length);
      PrepareProgress.tokenized(withEos.length);
    }

    @Teardown
    public void teardown() {
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
  }
}

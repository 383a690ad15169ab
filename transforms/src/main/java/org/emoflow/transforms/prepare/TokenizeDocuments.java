package org.emoflow.transforms.prepare;

import java.util.Arrays;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.RejectReason;

/** Documents to token ids ending with EOS; a document the tokenizer fails on becomes a dead letter. */
public final class TokenizeDocuments extends PTransform<PCollection<Document>, PCollectionTuple> {
  public static final TupleTag<TokenizedDocument> TOKENIZED = new TupleTag<>("tokenized") {};
  public static final TupleTag<RejectedDocument> REJECTED = new TupleTag<>("tokenizer-rejected") {};

  private final String tokenizer;
  private final String eosToken;

  public TokenizeDocuments(String tokenizer, String eosToken) {
    this.tokenizer = tokenizer;
    this.eosToken = eosToken;
  }

  @Override
  public PCollectionTuple expand(PCollection<Document> documents) {
    PCollectionTuple tokenized = documents.apply("Tokenize", ParDo.of(new TokenizeFn(tokenizer, eosToken))
        .withOutputTags(TOKENIZED, TupleTagList.of(REJECTED).and(Tallies.TAG)));
    tokenized.get(TOKENIZED).setCoder(new TokenizedDocument.Coder());
    tokenized.get(REJECTED).setCoder(AvroCoder.specific(RejectedDocument.class));
    return tokenized;
  }

  static final class TokenizeFn extends DoFn<Document, TokenizedDocument> {
    private final String spec;
    private final String eosToken;
    private final Counter tokens = Metrics.counter("prepare", "tokens");
    private transient TextTokenizer tokenizer;

    TokenizeFn(String spec, String eosToken) {
      this.spec = spec;
      this.eosToken = eosToken;
    }

    @Setup
    public void setup() {
      tokenizer = Tokenizers.load(spec, eosToken);
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
      context.output(new TokenizedDocument(
          doc.id(), doc.domain(), withEos, SplitHash.of(doc.id()), doc.sourceFile(), doc.line()));
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

package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.schemas.InputFile;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.io.DocumentFiles;
import org.emoflow.transforms.io.FieldNames;
import org.emoflow.transforms.io.RejectReason;

/**
 * Input files to tokenized documents ending with EOS, spilled by packing bucket ({@link TokenSpill});
 * also each document's split facts, dead letters (unreadable records and documents the tokenizer fails
 * on), counts, and each file's size and checksum. Files are read in groups ({@link InputGroups}).
 *
 * <p>Each document is tokenized as soon as it is read, in the same DoFn: text never becomes an element
 * of its own. Handing every document to a separate tokenizing step made the runner buffer a file's
 * texts and commit them as one bundle, so tokenizing could only start once a whole file was read, and
 * it cost a DirectRunner hand-off per document.
 */
public final class ReadAndTokenize extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<KV<Integer, TokenSpill.Segment>> SPILLED = new TupleTag<>("spilled") {};
  public static final TupleTag<KV<String, DomainHoldout.Candidate>> SPLIT_FACTS = new TupleTag<>("split-facts") {};
  public static final TupleTag<RejectedDocument> REJECTED = new TupleTag<>("rejected") {};
  public static final TupleTag<InputFile> INPUT_FILES = new TupleTag<>("input-files") {};

  /** Tokens a worker holds before spilling them: bounds its memory, whatever the size of one input file. */
  private static final long SPILL_BUFFER_BYTES = 64L << 20;

  private final List<String> files;
  private final PrepareSettings settings;
  private final String output;

  public ReadAndTokenize(List<String> files, PrepareSettings settings, String output) {
    this.files = List.copyOf(files);
    this.settings = settings;
    this.output = output;
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple read = InputGroups.read(begin, files)
        .apply("ReadAndTokenize", ParDo.of(new ReadAndTokenizeFn(settings, output))
            .withOutputTags(SPILLED, TupleTagList.of(SPLIT_FACTS).and(REJECTED).and(INPUT_FILES).and(Tallies.TAG)));
    read.get(SPILLED).setCoder(KvCoder.of(VarIntCoder.of(), new TokenSpill.SegmentCoder()));
    read.get(SPLIT_FACTS).setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(DomainHoldout.Candidate.class)));
    read.get(REJECTED).setCoder(AvroCoder.specific(RejectedDocument.class));
    read.get(INPUT_FILES).setCoder(AvroCoder.specific(InputFile.class));
    read.get(Tallies.TAG).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    return read;
  }

  static final class ReadAndTokenizeFn extends DoFn<KV<Integer, Iterable<String>>, KV<Integer, TokenSpill.Segment>> {
    private final PrepareSettings settings;
    private final String output;
    private final Counter tokens = Metrics.counter("prepare", "tokens");
    private transient DocumentFiles reader;
    private transient TextTokenizer tokenizer;

    ReadAndTokenizeFn(PrepareSettings settings, String output) {
      this.settings = settings;
      this.output = output;
    }

    @Setup
    public void setup() {
      reader = new DocumentFiles(
          new FieldNames(settings.textField(), settings.idField(), settings.domainField()), settings.maxDocumentBytes());
      tokenizer = Tokenizers.shared(settings.tokenizer(), settings.eosToken());
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<String>> group, MultiOutputReceiver out) throws IOException {
      Tallies tallies = new Tallies();
      TokenSpill.Writer spill = new TokenSpill.Writer(output, settings.packBuckets(), SPILL_BUFFER_BYTES);
      FileOutputs sink = new FileOutputs(out, REJECTED, tallies) {
        @Override
        void use(Document document) {
          TokenizedDocument tokenized = tokenize(document, this);
          if (tokenized != null) {
            keep(tokenized, spill, out);
          }
        }
      };
      for (String file : group.getValue()) {
        long records = sink.records();
        long usable = sink.usable();
        InputFile read = reader.read(file, sink);
        out.get(INPUT_FILES).output(read);
        if (sink.usable() == usable) {
          tallies.add(UnusableFiles.TALLY_PREFIX + read.getPath(), sink.records() - records);
        }
      }
      spill.flush().forEach(out.get(SPILLED)::output);
      tallies.emit(out);
    }

    /** Its split facts go out now; its tokens to the spill, whose segments go out as it flushes. */
    private void keep(TokenizedDocument doc, TokenSpill.Writer spill, MultiOutputReceiver out) {
      boolean validation = SplitHash.isValidation(doc.hash(), settings.validationFraction());
      out.get(SPLIT_FACTS).output(KV.of(doc.domain(), new DomainHoldout.Candidate(doc.hash(), doc.location(), validation)));
      try {
        spill.add(doc).forEach(out.get(SPILLED)::output);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The document's tokens ending with EOS, or null (and a dead letter) where the tokenizer fails. */
    private TokenizedDocument tokenize(Document doc, FileOutputs sink) {
      int[] ids;
      try {
        ids = tokenizer.encode(doc.text());
      } catch (RuntimeException e) {
        sink.reject(doc, RejectReason.TOKENIZER_ERROR, String.valueOf(e));
        return null;
      }
      int[] withEos = Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = tokenizer.eosId();
      tokens.inc(withEos.length);
      PrepareProgress.tokenized(withEos.length);
      return new TokenizedDocument(doc.id(), doc.domain(), withEos, SplitHash.of(doc.id()), doc.sourceFile(), doc.line());
    }

    @Teardown
    public void teardown() {
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
  }
}

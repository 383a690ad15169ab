package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.model.io.ChannelInputFile;
import org.emoflow.schemas.InputFile;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.FieldNames;
import org.emoflow.transforms.io.JsonlDocuments;
import org.emoflow.transforms.io.ParquetDocuments;
import org.emoflow.transforms.io.RecordSink;

/**
 * Input files (paths) to documents, dead letters, counts and each file's size and checksum. JSONL may
 * be plain, .gz or .zst (by extension); .parquet files are read as Parquet. Files are read in parallel;
 * the checksum covers the raw bytes, compressed or not.
 */
public final class ReadDocuments extends PTransform<PCollection<String>, PCollectionTuple> {
  public static final TupleTag<Document> DOCUMENTS = new TupleTag<>("documents") {};
  public static final TupleTag<RejectedDocument> REJECTED = new TupleTag<>("rejected") {};
  public static final TupleTag<InputFile> INPUT_FILES = new TupleTag<>("input-files") {};

  private final FieldNames fields;
  private final long maxRecordBytes;

  public ReadDocuments(FieldNames fields, long maxRecordBytes) {
    this.fields = fields;
    this.maxRecordBytes = maxRecordBytes;
  }

  @Override
  public PCollectionTuple expand(PCollection<String> files) {
    PCollectionTuple read = files
        .apply("Match", FileIO.matchAll())
        .apply("Open", FileIO.readMatches().withCompression(Compression.UNCOMPRESSED))
        .apply("Parse", ParDo.of(new ParseFileFn(fields, maxRecordBytes))
            .withOutputTags(DOCUMENTS, TupleTagList.of(REJECTED).and(INPUT_FILES).and(Tallies.TAG)));
    read.get(DOCUMENTS).setCoder(new Document.Coder());
    read.get(REJECTED).setCoder(AvroCoder.specific(RejectedDocument.class));
    read.get(INPUT_FILES).setCoder(AvroCoder.specific(InputFile.class));
    return read;
  }

  static boolean isParquet(String path) {
    return path.endsWith(".parquet");
  }

  static final class ParseFileFn extends DoFn<FileIO.ReadableFile, Document> {
    private final FieldNames fields;
    private final long maxRecordBytes;
    private final Counter documents = Metrics.counter("prepare", "documents_read");
    private final Counter rejected = Metrics.counter("prepare", "documents_rejected");
    private transient JsonlDocuments jsonl;
    private transient ParquetDocuments parquet;

    ParseFileFn(FieldNames fields, long maxRecordBytes) {
      this.fields = fields;
      this.maxRecordBytes = maxRecordBytes;
    }

    @Setup
    public void setup() {
      jsonl = new JsonlDocuments(fields, maxRecordBytes);
      parquet = new ParquetDocuments(fields, maxRecordBytes);
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) throws IOException {
      String name = file.getMetadata().resourceId().toString();
      Tallies tallies = new Tallies();
      RecordSink sink = new Sink(out, tallies);
      String sha256;
      try (DigestInputStream raw = new DigestInputStream(Channels.newInputStream(file.open()), sha256())) {
        if (isParquet(name)) {
          parquet.read(new ChannelInputFile(file::openSeekable, name), name, sink);
        } else {
          InputStream text = Channels.newInputStream(
              Compression.detect(name).readDecompressed(Channels.newChannel(raw)));
          jsonl.read(text, name, sink);
        }
        // The checksum covers the whole file, also where decompression stopped early.
        raw.transferTo(java.io.OutputStream.nullOutputStream());
        sha256 = HexFormat.of().formatHex(raw.getMessageDigest().digest());
      }
      out.get(INPUT_FILES).output(new InputFile(name, file.getMetadata().sizeBytes(), sha256));
      tallies.emit(out);
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Routes reader callbacks to the DoFn's outputs and counts them. */
    private final class Sink implements RecordSink {
      private final MultiOutputReceiver out;
      private final Tallies tallies;

      Sink(MultiOutputReceiver out, Tallies tallies) {
        this.out = out;
        this.tallies = tallies;
      }

      @Override
      public void accept(Document document) {
        out.get(DOCUMENTS).output(document);
        tallies.addRead(document.domain());
        documents.inc();
        PrepareProgress.documentRead(document.text().length());
      }

      @Override
      public void reject(String sourceFile, Long line, String docId, String domain,
          org.emoflow.transforms.io.RejectReason reason, String detail) {
        out.get(REJECTED).output(new RejectedDocument(sourceFile, line, docId, reason.code(), detail));
        tallies.addRead(domain);
        tallies.addRejection(domain, reason.code());
        rejected.inc();
      }

      @Override
      public void blankLine() {
        tallies.add("blank_lines", 1);
      }
    }
  }
}

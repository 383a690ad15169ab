package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.schemas.InputFile;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.io.DocumentFiles;
import org.emoflow.transforms.io.FieldNames;

/**
 * Input files to documents, dead letters, counts and each file's size and checksum. JSONL may be plain,
 * .gz or .zst (by extension); .parquet files are read as Parquet. Files are read in parallel, in groups
 * ({@link InputGroups}); the checksum covers the raw bytes, compressed or not.
 */
public final class ReadDocuments extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Document> DOCUMENTS = new TupleTag<>("documents") {};
  public static final TupleTag<RejectedDocument> REJECTED = new TupleTag<>("rejected") {};
  public static final TupleTag<InputFile> INPUT_FILES = new TupleTag<>("input-files") {};

  private final List<String> files;
  private final FieldNames fields;
  private final long maxRecordBytes;

  public ReadDocuments(List<String> files, FieldNames fields, long maxRecordBytes) {
    this.files = List.copyOf(files);
    this.fields = fields;
    this.maxRecordBytes = maxRecordBytes;
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple read = InputGroups.read(begin, files)
        .apply("Parse", ParDo.of(new ParseFilesFn(fields, maxRecordBytes))
            .withOutputTags(DOCUMENTS, TupleTagList.of(REJECTED).and(INPUT_FILES).and(Tallies.TAG)));
    read.get(DOCUMENTS).setCoder(new Document.Coder());
    read.get(REJECTED).setCoder(AvroCoder.specific(RejectedDocument.class));
    read.get(INPUT_FILES).setCoder(AvroCoder.specific(InputFile.class));
    return read;
  }

  static final class ParseFilesFn extends DoFn<KV<Integer, Iterable<String>>, Document> {
    private final FieldNames fields;
    private final long maxRecordBytes;
    private transient DocumentFiles reader;

    ParseFilesFn(FieldNames fields, long maxRecordBytes) {
      this.fields = fields;
      this.maxRecordBytes = maxRecordBytes;
    }

    @Setup
    public void setup() {
      reader = new DocumentFiles(fields, maxRecordBytes);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<String>> group, MultiOutputReceiver out) throws IOException {
      Tallies tallies = new Tallies();
      FileOutputs sink = new FileOutputs(out, REJECTED, tallies) {
        @Override
        void use(Document document) {
          out.get(DOCUMENTS).output(document);
        }
      };
      for (String file : group.getValue()) {
        out.get(INPUT_FILES).output(reader.read(file, sink));
      }
      tallies.emit(out);
    }
  }
}

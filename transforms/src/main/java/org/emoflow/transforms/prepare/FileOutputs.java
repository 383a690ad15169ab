package org.emoflow.transforms.prepare;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.Document;
import org.emoflow.transforms.io.RecordSink;
import org.emoflow.transforms.io.RejectReason;

/**
 * Routes what a file reader finds to a DoFn's outputs: each document to {@link #use}, each rejection to
 * the dead-letter output, and both into the file's tallies (every record read counts once).
 */
abstract class FileOutputs implements RecordSink {
  private static final Counter DOCUMENTS_READ = Metrics.counter("prepare", "documents_read");
  private static final Counter DOCUMENTS_REJECTED = Metrics.counter("prepare", "documents_rejected");

  private final DoFn.MultiOutputReceiver out;
  private final TupleTag<RejectedDocument> rejected;
  private final Tallies tallies;
  private long records;
  private long usable;

  FileOutputs(DoFn.MultiOutputReceiver out, TupleTag<RejectedDocument> rejected, Tallies tallies) {
    this.out = out;
    this.rejected = rejected;
    this.tallies = tallies;
  }

  /** What the DoFn does with a document that was read. */
  abstract void use(Document document);

  @Override
  public void accept(Document document) {
    tallies.addRead(document.domain());
    records++;
    usable++;
    DOCUMENTS_READ.inc();
    PrepareProgress.documentRead(document.text().length());
    use(document);
  }

  @Override
  public void reject(String sourceFile, Long line, String docId, String domain, RejectReason reason, String detail) {
    tallies.addRead(domain);
    records++;
    deadLetter(new RejectedDocument(sourceFile, line, docId, reason.code(), detail), domain, reason);
  }

  /** A document already counted as read that cannot be used after all (the tokenizer failed on it). */
  void reject(Document document, RejectReason reason, String detail) {
    usable--;
    deadLetter(new RejectedDocument(document.sourceFile(), document.line(), document.id(), reason.code(), detail),
        document.domain(), reason);
  }

  private void deadLetter(RejectedDocument record, String domain, RejectReason reason) {
    out.get(rejected).output(record);
    tallies.addRejection(domain, reason.code());
    DOCUMENTS_REJECTED.inc();
  }

  /** Records read so far (blank lines excluded). */
  long records() {
    return records;
  }

  /** Documents read so far that were not rejected. */
  long usable() {
    return usable;
  }

  @Override
  public void blankLine() {
    tallies.add("blank_lines", 1);
  }
}

package org.emoflow.transforms.io;


/** Receives what a file reader finds, record by record. */
public interface RecordSink {
  void accept(Document document);

  /**
   * @param line 1-based line (JSONL) or row (Parquet); null when the fault is not tied to one
   * @param docId the record's id where it could be read, else null
   * @param domain the record's domain where it could be read, else null
   */
  void reject(String sourceFile, Long line, String docId, String domain, RejectReason reason, String detail);

  void blankLine();
}

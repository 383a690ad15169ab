package org.emoflow.transforms.io;

import java.util.ArrayList;
import java.util.List;

/** Keeps what a reader delivers, for assertions. */
final class CollectingSink implements RecordSink {
  record Rejection(String sourceFile, Long line, String docId, String domain, RejectReason reason, String detail) {}

  final List<Document> documents = new ArrayList<>();
  final List<Rejection> rejections = new ArrayList<>();
  int blankLines;

  @Override
  public void accept(Document document) {
    documents.add(document);
  }

  @Override
  public void reject(String sourceFile, Long line, String docId, String domain, RejectReason reason, String detail) {
    rejections.add(new Rejection(sourceFile, line, docId, domain, reason, detail));
  }

  @Override
  public void blankLine() {
    blankLines++;
  }
}

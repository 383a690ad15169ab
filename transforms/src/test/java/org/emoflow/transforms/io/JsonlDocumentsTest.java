package org.emoflow.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class JsonlDocumentsTest {
  private static final FieldNames FIELDS = new FieldNames("text", "id", "source");

  private static CollectingSink read(byte[] bytes, long maxBytes) {
    CollectingSink sink = new CollectingSink();
    new JsonlDocuments(FIELDS, maxBytes).read(new ByteArrayInputStream(bytes), "dir/in.jsonl", sink);
    return sink;
  }

  private static CollectingSink read(String text) {
    return read(text.getBytes(StandardCharsets.UTF_8), 1 << 20);
  }

  @Test
  void everyFaultBecomesOneRejectionNamingItsLineAndReason() {
    String input = String.join("\n",
        "{\"id\": \"a\", \"text\": \"Hello\", \"source\": \"web\"}",
        "{\"id\": \"b\", \"text\": \"unterminated",
        "[1, 2, 3]",
        "{\"id\": \"c\", \"source\": \"web\"}",
        "{\"id\": \"d\", \"text\": 42, \"source\": \"code\"}",
        "{\"id\": \"e\", \"text\": \"\", \"source\": \"web\"}",
        "   ",
        "{\"id\": \"f\", \"text\": \"bad \\ud800 surrogate\"}",
        "{\"id\": \"g\", \"text\": null}",
        "{\"id\": \"h\", \"text\": \"ok\"} trailing",
        "\"just a string\"",
        "{\"text\": \"no id\", \"source\": \"web\"}",
        "");
    CollectingSink sink = read(input);
    assertEquals(List.of("a", "in.jsonl:12"), sink.documents.stream().map(Document::id).toList());
    assertEquals(List.of(1L, 12L), sink.documents.stream().map(Document::line).toList());
    assertEquals("web", sink.documents.get(1).domain());
    assertEquals("unknown", sink.rejections.get(5).domain(), "a record without a domain label");
    List<RejectReason> reasons = sink.rejections.stream().map(CollectingSink.Rejection::reason).toList();
    assertEquals(List.of(RejectReason.MALFORMED_JSON, RejectReason.NOT_AN_OBJECT, RejectReason.MISSING_TEXT,
        RejectReason.NON_STRING_TEXT, RejectReason.EMPTY_TEXT, RejectReason.INVALID_UNICODE,
        RejectReason.MISSING_TEXT, RejectReason.MALFORMED_JSON, RejectReason.NOT_AN_OBJECT), reasons);
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 8L, 9L, 10L, 11L),
        sink.rejections.stream().map(CollectingSink.Rejection::line).toList());
    CollectingSink.Rejection numeric = sink.rejections.get(3);
    assertEquals("d", numeric.docId());
    assertEquals("code", numeric.domain());
    assertTrue(numeric.detail().contains("number"), numeric.detail());
    assertEquals(1, sink.blankLines);
    // Reconciliation: every non-blank line is exactly one document or one rejection.
    assertEquals(12 - 1, sink.documents.size() + sink.rejections.size());
  }

  @Test
  void invalidUtf8IsRejectedWithTheOffsetOfTheFirstBadByte() {
    byte[] good = "{\"text\": \"fine\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = "{\"text\": \"caf\u00e9 \"}\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] both = concat(good, bad, good);
    CollectingSink sink = read(both, 1 << 20);
    assertEquals(2, sink.documents.size());
    assertEquals(1, sink.rejections.size());
    assertEquals(RejectReason.INVALID_UTF8, sink.rejections.get(0).reason());
    assertEquals(2L, sink.rejections.get(0).line());
    assertTrue(sink.rejections.get(0).detail().contains("byte 13"), sink.rejections.get(0).detail());
  }

  @Test
  void oversizedLinesAreRejectedWithoutBeingKeptAndReadingGoesOn() {
    String huge = "{\"id\": \"big\", \"text\": \"" + "x".repeat(5000) + "\"}";
    CollectingSink sink = read((huge + "\n{\"id\": \"small\", \"text\": \"y\"}\r\n").getBytes(StandardCharsets.UTF_8), 1000);
    assertEquals(List.of("small"), sink.documents.stream().map(Document::id).toList());
    assertEquals("y", sink.documents.get(0).text(), "CRLF line endings are stripped");
    assertEquals(RejectReason.TOO_LARGE, sink.rejections.get(0).reason());
    assertEquals(1L, sink.rejections.get(0).line());
    assertTrue(sink.rejections.get(0).detail().contains("5,025 bytes"), sink.rejections.get(0).detail());
  }

  @Test
  void dottedFieldNamesReachIntoNestedObjects() {
    CollectingSink sink = new CollectingSink();
    new JsonlDocuments(new FieldNames("text", "id", "metadata.domain"), 1 << 20).read(new ByteArrayInputStream(
        "{\"id\": 7, \"text\": \"t\", \"metadata\": {\"domain\": \"law\"}}\n".getBytes(StandardCharsets.UTF_8)),
        "f", sink);
    assertEquals("law", sink.documents.get(0).domain());
    assertEquals("7", sink.documents.get(0).id());
  }

  @Test
  void aTruncatedGzipKeepsWhatCameBeforeAndNamesTheFileAndLine() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 2000; i++) {
      text.append("{\"id\": \"").append(i).append("\", \"text\": \"document number ").append(i).append("\"}\n");
    }
    byte[] gz = compress(text.toString(), GZIPOutputStream::new);
    byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
    CollectingSink sink = new CollectingSink();
    new JsonlDocuments(FIELDS, 1 << 20).read(new GZIPInputStream(new ByteArrayInputStream(truncated)), "c.jsonl.gz", sink);
    assertTrue(sink.documents.size() > 100 && sink.documents.size() < 2000, "kept " + sink.documents.size());
    CollectingSink.Rejection last = sink.rejections.get(sink.rejections.size() - 1);
    assertEquals(RejectReason.CORRUPT_FILE, last.reason());
    assertEquals("c.jsonl.gz", last.sourceFile());
    assertTrue(last.line() >= sink.documents.size(), "line " + last.line());
  }

  @Test
  void zstdCompressedInputReadsLikePlainText() throws IOException {
    byte[] zst = compress("{\"text\": \"z\u00fcrich\"}\n", ZstdOutputStream::new);
    CollectingSink sink = new CollectingSink();
    new JsonlDocuments(FIELDS, 1 << 20).read(
        new com.github.luben.zstd.ZstdInputStream(new ByteArrayInputStream(zst)), "f.jsonl.zst", sink);
    assertEquals("z\u00fcrich", sink.documents.get(0).text());
    assertTrue(sink.rejections.isEmpty());
  }

  @Test
  void aByteOrderMarkAtTheStartOfTheFileIsSkippedAndLinesKeepTheirNumbers() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] lines = "{\"id\": \"a\", \"text\": \"first\"}\n{\"id\": \"b\", \"text\": \"second\"}\n"
        .getBytes(StandardCharsets.UTF_8);
    CollectingSink sink = read(concat(bom, lines), 1 << 20);
    assertEquals(List.of("a", "b"), sink.documents.stream().map(Document::id).toList());
    assertEquals(List.of(1L, 2L), sink.documents.stream().map(Document::line).toList());
    assertEquals("first", sink.documents.get(0).text());
    assertTrue(sink.rejections.isEmpty(), sink.rejections.toString());

    // Only the file's first bytes: a BOM opening a later line is part of that line, which is not JSON.
    CollectingSink later = read(concat(lines, bom, lines), 1 << 20);
    assertEquals(List.of("a", "b", "b"), later.documents.stream().map(Document::id).toList());
    assertEquals(List.of(RejectReason.MALFORMED_JSON),
        later.rejections.stream().map(CollectingSink.Rejection::reason).toList());
    assertEquals(3L, later.rejections.get(0).line());

    // A file that is a BOM alone, or a BOM and a blank line, holds no record.
    CollectingSink alone = read(bom, 1 << 20);
    assertTrue(alone.documents.isEmpty() && alone.rejections.isEmpty() && alone.blankLines == 0);
    CollectingSink blank = read(concat(bom, "\n".getBytes(StandardCharsets.UTF_8)), 1 << 20);
    assertTrue(blank.documents.isEmpty() && blank.rejections.isEmpty());
    assertEquals(1, blank.blankLines);
  }

  @Test
  void aByteOrderMarkArrivingOneByteAtATimeIsStillSkipped() {
    byte[] bytes = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        "{\"id\": \"a\", \"text\": \"x\"}".getBytes(StandardCharsets.UTF_8));
    CollectingSink sink = new CollectingSink();
    // A decompressing stream may hand out fewer bytes than asked for.
    new JsonlDocuments(FIELDS, 1 << 20).read(new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1));
      }
    }, "f.jsonl", sink);
    assertEquals(List.of("a"), sink.documents.stream().map(Document::id).toList());
    assertTrue(sink.rejections.isEmpty(), sink.rejections.toString());
  }

  interface Compressor {
    OutputStream wrap(OutputStream out) throws IOException;
  }

  static byte[] compress(String text, Compressor compressor) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compressor.wrap(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}

package org.emoflow.transforms.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Dolma-style JSONL: one JSON object per line with the text, an id and a domain label. Every non-blank
 * line becomes exactly one document or one rejection; blank lines are counted and skipped. One instance
 * per thread.
 */
public final class JsonlDocuments {
  private static final ObjectReader JSON =
      new ObjectMapper().readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final FieldNames fields;
  private final long maxRecordBytes;
  private final TextChecks checks = new TextChecks();

  public JsonlDocuments(FieldNames fields, long maxRecordBytes) {
    this.fields = fields;
    this.maxRecordBytes = maxRecordBytes;
  }

  /**
   * Reads a decompressed stream to its end. If the stream itself breaks (a truncated or corrupt
   * compressed file), the records before the break are kept and the break becomes one {@code
   * corrupt_file} rejection naming the file and the line where it happened.
   */
  public void read(InputStream in, String sourceFile, RecordSink sink) {
    LineReader lines = new LineReader(in, maxRecordBytes);
    while (true) {
      try {
        if (!lines.next()) {
          return;
        }
      } catch (IOException e) {
        sink.reject(sourceFile, lines.number() + 1, null, null, RejectReason.CORRUPT_FILE,
            "the file is truncated or corrupt after line " + lines.number() + ": " + e);
        return;
      }
      long line = lines.number();
      if (lines.tooLong()) {
        sink.reject(sourceFile, line, null, null, RejectReason.TOO_LARGE, String.format(
            "record of %,d bytes exceeds --max-document-bytes=%,d", lines.lineBytes(), maxRecordBytes));
      } else if (lines.isBlank()) {
        sink.blankLine();
      } else {
        String json = checks.decode(lines.bytes(), 0, lines.length());
        if (json == null) {
          sink.reject(sourceFile, line, null, null, RejectReason.INVALID_UTF8,
              "invalid UTF-8 at byte " + checks.badByte() + " of the line");
        } else {
          parse(json, sourceFile, line, sink);
        }
      }
    }
  }

  private void parse(String json, String sourceFile, long line, RecordSink sink) {
    JsonNode record;
    try {
      record = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      sink.reject(sourceFile, line, null, null, RejectReason.MALFORMED_JSON, e.getOriginalMessage());
      return;
    }
    if (record == null || !record.isObject()) {
      String kind = record == null ? "nothing" : record.getNodeType().name().toLowerCase(Locale.ROOT);
      sink.reject(sourceFile, line, null, null, RejectReason.NOT_AN_OBJECT, "line holds a JSON " + kind + ", not an object");
      return;
    }
    JsonNode idNode = field(record, fields.id());
    String id = idNode != null && (idNode.isTextual() || idNode.isNumber()) ? idNode.asText() : null;
    JsonNode domainNode = field(record, fields.domain());
    String domain = domainNode != null && domainNode.isTextual() && !domainNode.asText().isEmpty()
        ? domainNode.asText()
        : FieldNames.UNKNOWN_DOMAIN;
    JsonNode textNode = field(record, fields.text());
    if (textNode == null || textNode.isNull()) {
      sink.reject(sourceFile, line, id, domain, RejectReason.MISSING_TEXT, "no \"" + fields.text() + "\" field");
    } else if (!textNode.isTextual()) {
      sink.reject(sourceFile, line, id, domain, RejectReason.NON_STRING_TEXT,
          "\"" + fields.text() + "\" is a " + textNode.getNodeType().name().toLowerCase(Locale.ROOT) + ", not a string");
    } else if (textNode.textValue().isEmpty()) {
      sink.reject(sourceFile, line, id, domain, RejectReason.EMPTY_TEXT, "\"" + fields.text() + "\" is empty");
    } else {
      String text = textNode.textValue();
      int surrogate = TextChecks.unpairedSurrogate(text);
      if (surrogate >= 0) {
        sink.reject(sourceFile, line, id, domain, RejectReason.INVALID_UNICODE,
            "unpaired surrogate (an escaped \\ud800-\\udfff) at character " + surrogate + " of the text");
      } else {
        sink.accept(new Document(id != null ? id : defaultId(sourceFile, line), text, domain, sourceFile, line));
      }
    }
  }

  /** Records without an id are named after where they were read. */
  static String defaultId(String sourceFile, long line) {
    return sourceFile.substring(sourceFile.lastIndexOf('/') + 1) + ":" + line;
  }

  private static JsonNode field(JsonNode record, String name) {
    JsonNode direct = record.get(name);
    if (direct != null || !name.contains(".")) {
      return direct;
    }
    JsonNode node = record;
    for (String part : name.split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    return node;
  }
}

package org.emoflow.transforms.io;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Parquet shards (FineWeb-style): one document per row, text in a configurable column. Row numbers
 * (1-based) stand in for line numbers.
 */
public final class ParquetDocuments {
  private final FieldNames fields;
  private final long maxRecordBytes;
  private final TextChecks checks = new TextChecks();

  public ParquetDocuments(FieldNames fields, long maxRecordBytes) {
    this.fields = fields;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** The file's top-level column names, from its footer: lets a wrong --text-field be refused up front. */
  public static MessageType schemaOf(InputFile file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(file)) {
      return reader.getFooter().getFileMetaData().getSchema();
    }
  }

  /**
   * Reads every row. A file that is not Parquet, or breaks part way, becomes one {@code corrupt_file}
   * rejection naming it and the row where reading stopped; rows before that are kept.
   */
  public void read(InputFile file, String sourceFile, RecordSink sink) {
    long row = 0;
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(file).withConf(new Configuration(false)).build()) {
      for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
        row++;
        accept(record, sourceFile, row, sink);
      }
    } catch (IOException | RuntimeException e) {
      sink.reject(sourceFile, row == 0 ? null : row + 1, null, null, RejectReason.CORRUPT_FILE,
          "not a readable Parquet file" + (row == 0 ? "" : " after row " + row) + ": " + e);
    }
  }

  private void accept(GenericRecord record, String sourceFile, long row, RecordSink sink) {
    Object idValue = value(record, fields.id());
    String id = idValue == null ? null : idValue.toString();
    Object domainValue = value(record, fields.domain());
    String domain = domainValue instanceof CharSequence && domainValue.toString().length() > 0
        ? domainValue.toString()
        : FieldNames.UNKNOWN_DOMAIN;
    Object text = value(record, fields.text());
    if (text == null) {
      sink.reject(sourceFile, row, id, domain, RejectReason.MISSING_TEXT, "\"" + fields.text() + "\" is null");
      return;
    }
    if (!(text instanceof CharSequence)) {
      sink.reject(sourceFile, row, id, domain, RejectReason.NON_STRING_TEXT,
          "\"" + fields.text() + "\" holds " + text.getClass().getSimpleName() + ", not a string");
      return;
    }
    String value;
    if (text instanceof Utf8 utf8) {
      value = checks.decode(utf8.getBytes(), 0, utf8.getByteLength());
      if (value == null) {
        sink.reject(sourceFile, row, id, domain, RejectReason.INVALID_UTF8,
            "invalid UTF-8 at byte " + checks.badByte() + " of the text");
        return;
      }
    } else {
      value = text.toString();
    }
    long byteLength = utf8Length(value);
    if (byteLength > maxRecordBytes) {
      sink.reject(sourceFile, row, id, domain, RejectReason.TOO_LARGE,
          String.format("text of %,d bytes exceeds --max-document-bytes=%,d", byteLength, maxRecordBytes));
      return;
    }
    if (value.isEmpty()) {
      sink.reject(sourceFile, row, id, domain, RejectReason.EMPTY_TEXT, "\"" + fields.text() + "\" is empty");
    } else {
      sink.accept(new Document(id != null ? id : JsonlDocuments.defaultId(sourceFile, row), value, domain, sourceFile, row));
    }
  }

  private static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  private static Object value(GenericRecord record, String field) {
    Schema.Field column = record.getSchema().getField(field);
    if (column == null) {
      return null;
    }
    return record.get(column.pos());
  }
}

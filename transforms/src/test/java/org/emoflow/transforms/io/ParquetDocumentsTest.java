package org.emoflow.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.emoflow.model.io.ChannelInputFile;
import org.emoflow.model.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetDocumentsTest {
  @TempDir Path dir;

  /** A FineWeb-like shard: text in "content", a "url" id and a nullable "dump" label. */
  private static final Schema SCHEMA = SchemaBuilder.record("Row").fields()
      .optionalString("content").requiredString("url").optionalString("dump").endRecord();

  private Path shard(List<GenericRecord> rows) throws IOException {
    Path file = dir.resolve("shard.parquet");
    try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
        .withSchema(SCHEMA).withConf(new Configuration(false)).build()) {
      for (GenericRecord row : rows) {
        writer.write(row);
      }
    }
    return file;
  }

  private static GenericRecord row(Object content, String url, String dump) {
    GenericRecord record = new GenericData.Record(SCHEMA);
    record.put("content", content);
    record.put("url", url);
    record.put("dump", dump);
    return record;
  }

  @Test
  void readsTheConfiguredColumnsAndRejectsRowsByTheirNumber() throws IOException {
    byte[] latin1 = "caf\u00e9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Path file = shard(List.of(
        row("first text", "u1", "CC-2024"),
        row(null, "u2", "CC-2024"),
        row("", "u3", null),
        row(new Utf8(latin1), "u4", "CC-2023"),
        row("x".repeat(300), "u5", "CC-2023"),
        row("last", "u6", null)));
    CollectingSink sink = new CollectingSink();
    new ParquetDocuments(new FieldNames("content", "url", "dump"), 100)
        .read(ChannelInputFile.local(file), file.toString(), sink);
    assertEquals(List.of("u1", "u6"), sink.documents.stream().map(Document::id).toList());
    assertEquals(List.of("CC-2024", "unknown"), sink.documents.stream().map(Document::domain).toList());
    assertEquals(List.of(1L, 6L), sink.documents.stream().map(Document::line).toList());
    assertEquals(List.of(RejectReason.MISSING_TEXT, RejectReason.EMPTY_TEXT, RejectReason.INVALID_UTF8,
            RejectReason.TOO_LARGE),
        sink.rejections.stream().map(CollectingSink.Rejection::reason).toList());
    assertEquals(List.of(2L, 3L, 4L, 5L), sink.rejections.stream().map(CollectingSink.Rejection::line).toList());
    assertEquals("u4", sink.rejections.get(2).docId());
  }

  @Test
  void aFileThatIsNotParquetIsOneCorruptFileRejection() throws IOException {
    Path file = dir.resolve("broken.parquet");
    Files.write(file, "PAR1 this is not really parquet".getBytes());
    CollectingSink sink = new CollectingSink();
    new ParquetDocuments(new FieldNames("text", "id", "source"), 100)
        .read(ChannelInputFile.local(file), file.toString(), sink);
    assertEquals(1, sink.rejections.size());
    assertEquals(RejectReason.CORRUPT_FILE, sink.rejections.get(0).reason());
    assertEquals(file.toString(), sink.rejections.get(0).sourceFile());
    assertTrue(sink.documents.isEmpty());
  }

  @Test
  void theFooterNamesTheColumns() throws IOException {
    Path file = shard(List.of(row("t", "u", "d")));
    assertTrue(ParquetDocuments.schemaOf(ChannelInputFile.local(file)).containsField("content"));
    assertEquals(3, ParquetDocuments.schemaOf(ChannelInputFile.local(file)).getFieldCount());
  }
}

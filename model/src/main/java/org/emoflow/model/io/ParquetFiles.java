package org.emoflow.model.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** Reading and (atomically) writing Avro-typed Parquet files on the local file system. */
public final class ParquetFiles {
  private ParquetFiles() {}

  public static <T extends SpecificRecord> void write(Path target, Schema schema, Iterable<T> rows) throws IOException {
    AtomicFiles.write(target, temporary -> {
      try (ParquetWriter<T> writer = AvroParquetWriter.<T>builder(new LocalOutputFile(temporary))
          .withSchema(schema)
          .withDataModel(AvroModel.get())
          .withConf(new Configuration(false))
          .withCompressionCodec(CompressionCodecName.SNAPPY)
          .build()) {
        for (T row : rows) {
          writer.write(row);
        }
      }
    });
  }

  public static <T> ParquetReader<T> reader(Path file) throws IOException {
    return AvroParquetReader.<T>builder(ChannelInputFile.local(file))
        .withDataModel(AvroModel.get())
        .withConf(new Configuration(false))
        .build();
  }

  public static <T> List<T> readAll(Path file) throws IOException {
    List<T> rows = new ArrayList<>();
    try (ParquetReader<T> reader = reader(file)) {
      for (T row = reader.read(); row != null; row = reader.read()) {
        rows.add(row);
      }
    }
    return rows;
  }

  /** The *.parquet files directly in a directory, sorted by name; temporaries are not listed. */
  public static List<Path> list(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !p.getFileName().toString().startsWith("_") && !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }
}

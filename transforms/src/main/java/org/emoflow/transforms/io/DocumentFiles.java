package org.emoflow.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.security.DigestInputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.emoflow.model.io.ChannelInputFile;
import org.emoflow.model.io.Checksums;
import org.emoflow.schemas.InputFile;

/**
 * Reads whole input files record by record into a {@link RecordSink}: JSONL plain, .gz or .zst (by
 * extension), or Parquet. The checksum covers the raw bytes, compressed or not. One instance per thread.
 */
public final class DocumentFiles {
  private final JsonlDocuments jsonl;
  private final ParquetDocuments parquet;

  public DocumentFiles(FieldNames fields, long maxRecordBytes) {
    this.jsonl = new JsonlDocuments(fields, maxRecordBytes);
    this.parquet = new ParquetDocuments(fields, maxRecordBytes);
  }

  private static boolean isParquet(String path) {
    return path.endsWith(".parquet");
  }

  /** Sends every record of the file to the sink; returns the file's name, size and SHA-256. */
  public InputFile read(String path, RecordSink sink) throws IOException {
    MatchResult.Metadata file = FileSystems.matchSingleFileSpec(path);
    ResourceId resource = file.resourceId();
    String name = resource.toString();
    try (DigestInputStream raw = new DigestInputStream(Channels.newInputStream(FileSystems.open(resource)), Checksums.newSha256())) {
      if (isParquet(name)) {
        parquet.read(new ChannelInputFile(() -> (SeekableByteChannel) FileSystems.open(resource), name), name, sink);
      } else {
        InputStream text = Channels.newInputStream(
            Compression.detect(name).readDecompressed(Channels.newChannel(raw)));
        jsonl.read(text, name, sink);
      }
      // The checksum covers the whole file, also where decompression stopped early.
      raw.transferTo(OutputStream.nullOutputStream());
      String checksum = Checksums.hex(raw.getMessageDigest());
      return new InputFile(name, file.sizeBytes(), checksum);
    }
  }

}

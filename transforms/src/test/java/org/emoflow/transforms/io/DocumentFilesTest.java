package org.emoflow.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.emoflow.schemas.InputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentFilesTest {
  @TempDir
  Path dir;

  @Test
  void aGzippedFileWhoseTextStartsWithAByteOrderMarkKeepsItsFirstDocumentAndRawChecksum()
      throws IOException, NoSuchAlgorithmException {
    byte[] gz = JsonlDocumentsTest.compress(
        "\uFEFF{\"id\": \"first\", \"text\": \"one\"}\n{\"id\": \"second\", \"text\": \"two\"}\n", GZIPOutputStream::new);
    Path file = Files.write(dir.resolve("bom.jsonl.gz"), gz);
    CollectingSink sink = new CollectingSink();
    InputFile read = new DocumentFiles(new FieldNames("text", "id", "source"), 1 << 20).read(file.toString(), sink);
    assertEquals(List.of("first", "second"), sink.documents.stream().map(Document::id).toList());
    assertEquals(List.of(1L, 2L), sink.documents.stream().map(Document::line).toList());
    assertTrue(sink.rejections.isEmpty(), sink.rejections.toString());
    assertEquals(gz.length, read.getBytes());
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gz)), read.getSha256());
  }
}

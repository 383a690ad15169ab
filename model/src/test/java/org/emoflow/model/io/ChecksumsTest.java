package org.emoflow.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumsTest {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void bytesTextFileAndCopyAgreeWithThePublishedDigest(@TempDir Path dir) throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("abc.txt"), abc);
    ByteArrayOutputStream copied = new ByteArrayOutputStream();

    assertEquals(ABC, Checksums.sha256(abc));
    assertEquals(ABC, Checksums.sha256("abc"));
    assertEquals(ABC, Checksums.sha256(file));
    assertEquals(ABC, Checksums.copy(new ByteArrayInputStream(abc), copied));
    assertEquals("abc", copied.toString(StandardCharsets.UTF_8));
  }
}

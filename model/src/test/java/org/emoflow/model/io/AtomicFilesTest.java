package org.emoflow.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aDirectoryReplacesAnOldOneWithContentAndLeavesNoTemporaries() throws IOException {
    Path target = dir.resolve("step-00000010");
    Files.createDirectories(target);
    Files.writeString(target.resolve("model.safetensors"), "corrupt");
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      Files.writeString(temporary.resolve("model.safetensors"), "rewritten");
    });
    assertEquals("rewritten", Files.readString(target.resolve("model.safetensors")));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(target), left.toList());
    }
  }

  @Test
  void aFailedWriteLeavesTheTargetAndNoTemporary() throws IOException {
    Path target = dir.resolve("manifest.json");
    Files.writeString(target, "old");
    try {
      AtomicFiles.write(target, temporary -> {
        Files.writeString(temporary, "half");
        throw new IOException("disk full");
      });
    } catch (IOException expected) {
      assertEquals("disk full", expected.getMessage());
    }
    assertEquals("old", Files.readString(target));
    try (Stream<Path> left = Files.list(dir)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith("_tmp.")));
    }
  }
}

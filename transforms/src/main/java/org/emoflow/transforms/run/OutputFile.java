package org.emoflow.transforms.run;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.emoflow.model.io.Checksums;

/** A file a stage produced, as the run manifest records it. */
public record OutputFile(String path, long bytes, String sha256) implements Serializable {
  public static OutputFile of(Path file) throws IOException {
    return new OutputFile(file.toAbsolutePath().toString(), Files.size(file), Checksums.sha256(file));
  }
}

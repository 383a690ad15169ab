package org.emoflow.pipelines.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;

/**
 * The same JSONL records in more, smaller files: every line of the inputs (decompressed, bytes as they
 * are) dealt in turn to {@code count} plain {@code part-NNNNN.jsonl} files.
 */
final class SplitInput {
  private SplitInput() {}

  /** Returns the glob of the files written. */
  static String write(List<String> inputs, Path directory, int count) throws IOException {
    Files.createDirectories(directory);
    List<OutputStream> outs = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        outs.add(new BufferedOutputStream(Files.newOutputStream(directory.resolve(String.format("part-%05d.jsonl", i)))));
      }
      int next = 0;
      for (String input : inputs) {
        try (InputStream in = new BufferedInputStream(Channels.newInputStream(Compression.detect(input)
            .readDecompressed(FileSystems.open(FileSystems.matchNewResource(input, false)))), 1 << 16)) {
          int last = '\n';
          for (int b = in.read(); b >= 0; b = in.read()) {
            outs.get(next).write(b);
            if (b == '\n') {
              next = (next + 1) % count;
            }
            last = b;
          }
          if (last != '\n') {  // a last line without its newline must not run into the next file's first
            outs.get(next).write('\n');
            next = (next + 1) % count;
          }
        }
      }
    } finally {
      for (OutputStream out : outs) {
        out.close();
      }
    }
    return directory + "/*.jsonl";
  }
}

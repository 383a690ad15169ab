package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes documents as gzipped Dolma JSONL: one {@code {"id", "text", "source", "metadata"}} object
 * per line. The bytes depend only on the documents: fields in a fixed order, and
 * GZIPOutputStream writes no timestamp or file name into the gzip header.
 */
final class DolmaJsonl {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int GZIP_BUFFER_BYTES = 1 << 16;

  private DolmaJsonl() {}

  /** Writes {@code target} through a {@code .tmp} sibling, so readers never see half a file. */
  static void write(Path target, String domain, List<SampleDocument> documents) throws IOException {
    Path partial = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (Writer out =
          new BufferedWriter(
              new OutputStreamWriter(
                  new GZIPOutputStream(Files.newOutputStream(partial), GZIP_BUFFER_BYTES),
                  UTF_8))) {
        for (int index = 0; index < documents.size(); index++) {
          out.write(JSON.writeValueAsString(line(domain, index, documents.get(index))));
          out.write('\n');
        }
      }
      Files.move(partial, target, ATOMIC_MOVE, REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** The id {@code <domain>-<5-digit index>}, e.g. {@code lit_en-00017}. */
  private static String documentId(String domain, int index) {
    return "%s-%05d".formatted(domain, index);
  }

  private static ObjectNode line(String domain, int index, SampleDocument document) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", documentId(domain, index));
    line.put("text", document.text());
    line.put("source", domain);
    line.putObject("metadata").put("origin", document.origin());
    return line;
  }
}

package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.emoflow.model.io.ChannelInputFile;
import org.emoflow.transforms.io.ParquetDocuments;

/** Checks the inputs in the driver, so a pattern that matches nothing or a wrong field is refused before any work. */
public final class Inputs {
  private Inputs() {}

  public static List<String> expand(String option, List<String> patterns) {
    if (patterns == null || patterns.isEmpty()) {
      throw InvalidOptionException.of(option, "no input given");
    }
    List<String> files = new ArrayList<>();
    for (String pattern : patterns) {
      List<MatchResult.Metadata> matches;
      try {
        matches = FileSystems.match(pattern).metadata();
      } catch (IOException | IllegalArgumentException e) {
        throw InvalidOptionException.of(option, "'" + pattern + "' matches no files (" + e.getMessage() + ")");
      }
      if (matches.isEmpty()) {
        throw InvalidOptionException.of(option, "'" + pattern + "' matches no files");
      }
      matches.stream().map(m -> m.resourceId().toString()).sorted().forEach(files::add);
    }
    return files.stream().distinct().toList();
  }

  /** Range checks of the shared document options; touches no file. */
  public static void validate(DocumentInputOptions options) {
    if (options.getMaxDocumentBytes() <= 0) {
      throw InvalidOptionException.of("maxDocumentBytes", "must be positive");
    }
  }

  /**
   * Every readable Parquet file among {@code files} must have {@code column}: one without it means a
   * wrong option, refused up front. An unreadable one is not an option error; the pipeline reports it
   * as a corrupt_file dead letter. JSONL records are checked as they are read.
   */
  public static void requireParquetColumn(String option, List<String> files, String column) {
    for (String file : files) {
      if (!file.endsWith(".parquet")) {
        continue;
      }
      var opener = (ChannelInputFile.Opener) () ->
          (SeekableByteChannel) FileSystems.open(FileSystems.matchNewResource(file, false));
      MessageType schema;
      try {
        schema = ParquetDocuments.schemaOf(new ChannelInputFile(opener, file));
      } catch (IOException | RuntimeException e) {
        continue;
      }
      if (!schema.containsField(column)) {
        throw InvalidOptionException.of(option, "'" + column + "' is not a column of " + file
            + " (columns: " + schema.getFields().stream().map(Type::getName).toList() + ")");
      }
    }
  }
}

package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.emoflow.pipelines.sample.ArchiveFiles.ArchiveFile;

/** Turns the matching files of one source's archive into documents, rejecting what is not text. */
final class SourceDocuments {

  /**
   * @param rejectedFiles matching files that gave no document: binary, not valid UTF-8, blank, or
   *     dropped by the converter
   */
  record Extraction(List<SampleDocument> documents, int rejectedFiles) {}

  private SourceDocuments() {}

  static Extraction extract(SampleSource source, Path archive) throws IOException {
    PinnedArtifact artifact = source.artifact();
    List<ArchiveFile> files;
    try {
      files = ArchiveFiles.read(archive, artifact.archiveRoot(), source.files());
    } catch (IOException e) {
      throw new IOException("Cannot read " + artifact.coordinate() + " from " + archive, e);
    }
    List<SampleDocument> documents = new ArrayList<>();
    int rejected = 0;
    for (ArchiveFile file : files) {
      String origin = artifact.coordinate() + ":" + file.path();
      Optional<String> text = decodeText(file.content());
      if (text.isPresent()) {
        text = convert(source.converter(), origin, text.get());
      }
      if (text.isPresent() && !text.get().isBlank()) {
        documents.add(new SampleDocument(origin, text.get()));
      } else {
        rejected++;
      }
    }
    return new Extraction(documents, rejected);
  }

  /** Strict UTF-8; a NUL byte marks a binary file even when it happens to decode. */
  private static Optional<String> decodeText(byte[] content) {
    for (byte b : content) {
      if (b == 0) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(
          UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(content))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> convert(TextConverter converter, String origin, String fileText)
      throws IOException {
    try {
      return converter.convert(fileText);
    } catch (IOException e) {
      throw new IOException("Cannot convert " + origin + ": " + e.getMessage(), e);
    }
  }
}

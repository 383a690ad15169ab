package org.emoflow.transforms.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenized documents spilled by bucket and read back by segment, as prepare's shuffle carries them. */
class TokenSpillTest {
  private static final int BUCKETS = 5;

  @TempDir Path output;

  @Test
  void everyDocumentComesBackWholeFromTheSegmentsOfItsBucket() throws IOException {
    List<TokenizedDocument> documents = documents(300, new Random(1));
    // A buffer of ~20 documents' tokens: several flushes, so a bucket's documents span several files.
    TokenSpill.Writer writer = new TokenSpill.Writer(output.toString(), BUCKETS, 20 * 4 * 150);
    Map<Integer, List<TokenSpill.Segment>> segments = new TreeMap<>();
    for (TokenizedDocument doc : documents) {
      writer.add(doc).forEach(kv -> segments.computeIfAbsent(kv.getKey(), b -> new ArrayList<>()).add(kv.getValue()));
    }
    writer.flush().forEach(kv -> segments.computeIfAbsent(kv.getKey(), b -> new ArrayList<>()).add(kv.getValue()));
    assertTrue(spillFiles().size() > 5, "the buffer limit made it flush more than once: " + spillFiles().size());

    int read = 0;
    for (Map.Entry<Integer, List<TokenSpill.Segment>> bucket : segments.entrySet()) {
      List<TokenizedDocument> expected = documents.stream()
          .filter(doc -> Long.remainderUnsigned(doc.hash(), BUCKETS) == bucket.getKey()).toList();
      List<TokenizedDocument> back = TokenSpill.read(bucket.getValue());
      assertEquals(expected.size(), back.size(), "bucket " + bucket.getKey());
      for (int i = 0; i < expected.size(); i++) {
        assertSame(expected.get(i), back.get(i));
      }
      read += back.size();
    }
    assertEquals(documents.size(), read);
    assertEquals(BUCKETS, segments.size());
  }

  @Test
  void aSpillFileCutShortIsAnErrorNamingIt() throws IOException {
    TokenSpill.Writer writer = new TokenSpill.Writer(output.toString(), 1, Long.MAX_VALUE);
    for (TokenizedDocument doc : documents(10, new Random(2))) {
      assertTrue(writer.add(doc).isEmpty(), "nothing is written before the buffer fills");
    }
    List<KV<Integer, TokenSpill.Segment>> segments = writer.flush();
    assertEquals(1, segments.size());
    TokenSpill.Segment segment = segments.get(0).getValue();
    Path file = Path.of(segment.file());
    try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
      channel.truncate(Files.size(file) - 3);
    }
    IOException error = assertThrows(IOException.class, () -> TokenSpill.read(List.of(segment)));
    assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
  }

  @Test
  void deletingTheSpillLeavesNothingBehind() throws IOException {
    TokenSpill.Writer writer = new TokenSpill.Writer(output.toString(), BUCKETS, 1);
    for (TokenizedDocument doc : documents(5, new Random(3))) {
      writer.add(doc);
    }
    assertEquals(5, spillFiles().size());
    TokenSpill.delete(output.toString());
    assertFalse(Files.exists(output.resolve(TokenSpill.DIRECTORY)));
    TokenSpill.delete(output.toString());  // nothing to delete is not an error
  }

  private Set<Path> spillFiles() throws IOException {
    try (var files = Files.list(output.resolve(TokenSpill.DIRECTORY))) {
      return files.collect(Collectors.toSet());
    }
  }

  private static void assertSame(TokenizedDocument expected, TokenizedDocument actual) {
    assertEquals(expected.id(), actual.id());
    assertEquals(expected.domain(), actual.domain());
    assertEquals(expected.hash(), actual.hash());
    assertEquals(expected.location(), actual.location());
    assertArrayEquals(expected.tokens(), actual.tokens(), expected.id());
  }

  private static List<TokenizedDocument> documents(int count, Random random) {
    List<TokenizedDocument> documents = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] tokens = new int[1 + random.nextInt(300)];
      for (int t = 0; t < tokens.length; t++) {
        tokens[t] = random.nextInt(200_000);
      }
      String id = "doc-" + i;
      documents.add(new TokenizedDocument(id, "domain-" + i % 3, tokens, SplitHash.of(id), "input-" + i % 4, i + 1));
    }
    return documents;
  }
}

package org.emoflow.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestDatasets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SequenceStream} over four files (5, 0, 4 and 7 rows) read in windows of 3. */
class SequenceStreamTest {
  private static final int[] ROWS_PER_FILE = {5, 0, 4, 7};
  private static final int TOTAL = 16;
  private static final int WINDOW = 3;
  private static final long SEED = 11;

  @TempDir static Path directory;
  private static List<Path> files;

  /** Row r holds token r first, so every emitted row names itself. */
  @BeforeAll
  static void writeFiles() throws IOException {
    files = new ArrayList<>();
    int next = 0;
    for (int f = 0; f < ROWS_PER_FILE.length; f++) {
      List<PackedSequence> rows = new ArrayList<>();
      for (int r = 0; r < ROWS_PER_FILE[f]; r++, next++) {
        rows.add(TestBatches.row(4, new int[] {next, 1}));
      }
      Path file = directory.resolve("part-" + f + ".parquet");
      TestDatasets.writeRows(file, rows);
      files.add(file);
    }
  }

  @Test
  void everyRowAppearsOncePerEpochInAShuffledOrder() throws IOException {
    List<Integer> ids = read(SequenceStream.Position.START, 3 * TOTAL, SEED);
    Set<Integer> all = IntStream.range(0, TOTAL).boxed().collect(Collectors.toSet());
    for (int epoch = 0; epoch < 3; epoch++) {
      List<Integer> epochIds = ids.subList(epoch * TOTAL, (epoch + 1) * TOTAL);
      assertEquals(all, new TreeSet<>(epochIds), "epoch " + epoch);
    }
    assertNotEquals(ids.subList(0, TOTAL), ids.subList(TOTAL, 2 * TOTAL), "each epoch has its own order");
    assertNotEquals(ids.subList(0, TOTAL), read(SequenceStream.Position.START, TOTAL, SEED + 1), "the seed matters");
    assertEquals(ids.subList(0, TOTAL), read(SequenceStream.Position.START, TOTAL, SEED), "and decides everything");
  }

  @Test
  void resumingAtASavedPositionContinuesWithExactlyTheUninterruptedRows() throws IOException {
    int length = TOTAL + 4;
    List<Integer> uninterrupted = new ArrayList<>();
    List<SequenceStream.Position> positions = new ArrayList<>();
    try (SequenceStream stream = new SequenceStream(files, SEED, WINDOW, SequenceStream.Position.START)) {
      for (int i = 0; i < length; i++) {
        positions.add(stream.position());
        uninterrupted.add(stream.next().tokens()[0]);
      }
    }
    for (int cut = 0; cut < length; cut++) {
      assertEquals(uninterrupted.subList(cut, length), read(positions.get(cut), length - cut, SEED),
          "resumed at " + positions.get(cut));
    }
    assertTrue(positions.stream().anyMatch(p -> p.epoch() == 1), "the cuts cross an epoch boundary");
  }

  private static List<Integer> read(SequenceStream.Position start, int count, long seed) throws IOException {
    try (SequenceStream stream = new SequenceStream(files, seed, WINDOW, start)) {
      return stream.next(count).stream().map(row -> row.tokens()[0]).toList();
    }
  }
}

package org.emoflow.model.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.parquet.hadoop.ParquetReader;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingSequence;

/**
 * The training split as an endless, shuffled stream that never holds more than one window of rows.
 * Each epoch visits the files in a seeded order; each file is read in windows of W rows, and each window
 * is emitted in a seeded permutation. The position (epoch, file, rows emitted from that file) fully
 * determines what comes next, so a resumed run sees exactly the rows an uninterrupted one would have.
 */
public final class SequenceStream implements TrainingRows {
  /** Where the stream stands: the next row is the {@code row}-th emitted from the epoch's {@code file}-th file. */
  public record Position(long epoch, int file, long row) {
    public static final Position START = new Position(0, 0, 0);
  }

  private final List<Path> files;
  private final long seed;
  private final int window;
  private long epoch;
  private int fileIndex;
  private long row;
  private List<Path> epochOrder;
  private ParquetReader<TrainingSequence> reader;
  private List<PackedSequence> buffered = List.of();
  private int[] permutation = new int[0];
  private int bufferedOffset;

  public SequenceStream(List<Path> files, long seed, int window, Position start) throws IOException {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no training files");
    }
    this.files = List.copyOf(files);
    this.seed = seed;
    this.window = window;
    this.epoch = start.epoch();
    this.fileIndex = start.file();
    this.epochOrder = orderFor(epoch);
    if (fileIndex >= epochOrder.size()) {
      throw new IllegalArgumentException("stream position names file " + fileIndex + " of " + epochOrder.size());
    }
    openFile();
    skip(start.row());
  }

  @Override
  public Position position() {
    return new Position(epoch, fileIndex, row);
  }

  public PackedSequence next() throws IOException {
    int emptyFilesInARow = 0;
    while (bufferedOffset >= buffered.size()) {
      if (!fillWindow()) {
        if (++emptyFilesInARow > files.size()) {
          throw new IOException("the training files hold no rows: " + files);
        }
        advanceFile();
      } else {
        emptyFilesInARow = 0;
      }
    }
    PackedSequence next = buffered.get(permutation[bufferedOffset++]);
    row++;
    return next;
  }

  @Override
  public List<PackedSequence> next(int count) throws IOException {
    List<PackedSequence> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      rows.add(next());
    }
    return rows;
  }

  private void skip(long rows) throws IOException {
    for (long i = 0; i < rows; i++) {
      next();
    }
  }

  private List<Path> orderFor(long epochNumber) {
    List<Path> order = new ArrayList<>(files);
    Collections.shuffle(order, new Random(seed * 31 + epochNumber));
    return order;
  }

  private void openFile() throws IOException {
    closeReader();
    reader = ParquetFiles.reader(epochOrder.get(fileIndex));
    buffered = List.of();
    bufferedOffset = 0;
    row = 0;
  }

  private boolean fillWindow() throws IOException {
    List<PackedSequence> rows = new ArrayList<>(window);
    for (TrainingSequence r; rows.size() < window && (r = reader.read()) != null; ) {
      rows.add(PreparedDataset.toPacked(r));
    }
    if (rows.isEmpty()) {
      return false;
    }
    long windowIndex = row / window;
    List<Integer> order = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(((seed * 31 + epoch) * 1_000_003L + fileIndex) * 1_000_003L + windowIndex));
    permutation = order.stream().mapToInt(Integer::intValue).toArray();
    buffered = rows;
    bufferedOffset = 0;
    return true;
  }

  private void advanceFile() throws IOException {
    fileIndex++;
    if (fileIndex >= epochOrder.size()) {
      epoch++;
      fileIndex = 0;
      epochOrder = orderFor(epoch);
    }
    openFile();
  }

  private void closeReader() throws IOException {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeReader();
  }
}

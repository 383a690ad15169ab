package org.emoflow.model.data;

import java.io.IOException;
import java.util.List;

/** An endless, seeded stream of training rows whose position fully determines what comes next. */
public interface TrainingRows extends AutoCloseable {
  List<PackedSequence> next(int count) throws IOException;

  SequenceStream.Position position();

  @Override
  void close() throws IOException;
}

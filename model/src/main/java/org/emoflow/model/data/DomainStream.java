package org.emoflow.model.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Some domains' training documents, for a short fine-tune: read once ({@link PreparedDataset#domainRows},
 * one document piece per segment) and emitted epoch after epoch, each epoch in a seeded permutation. The
 * position (epoch, 0, rows emitted in the epoch) determines what comes next, so a resumed fine-tune sees
 * the rows an uninterrupted one would have.
 */
public final class DomainStream implements TrainingRows {
  private final List<PackedSequence> rows;
  private final long seed;
  private long epoch;
  private long row;
  private List<Integer> order;

  public DomainStream(PreparedDataset data, List<String> domains, long seed, SequenceStream.Position start)
      throws IOException {
    List<PackedSequence> all = new ArrayList<>();
    for (String domain : domains) {
      all.addAll(data.domainRows(PreparedDataset.TRAIN, domain, 0));
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("domains " + domains + " have no training documents in " + data.root());
    }
    this.rows = List.copyOf(all);
    this.seed = seed;
    this.epoch = start.epoch();
    this.order = orderFor(epoch);
    if (start.row() > rows.size()) {
      throw new IllegalArgumentException("stream position names row " + start.row() + " of " + rows.size());
    }
    this.row = start.row();
  }

  private List<Integer> orderFor(long epochNumber) {
    List<Integer> permutation = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      permutation.add(i);
    }
    Collections.shuffle(permutation, new Random(seed * 31 + epochNumber));
    return permutation;
  }

  @Override
  public List<PackedSequence> next(int count) {
    List<PackedSequence> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (row == rows.size()) {
        epoch++;
        row = 0;
        order = orderFor(epoch);
      }
      batch.add(rows.get(order.get((int) row++)));
    }
    return batch;
  }

  @Override
  public SequenceStream.Position position() {
    return new SequenceStream.Position(epoch, 0, row);
  }

  @Override
  public void close() {}
}

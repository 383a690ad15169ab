package org.emoflow.model.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Accumulates pieces of documents into one row of L tokens; the rest is padding. */
public final class RowBuilder {
  private final int[] tokens;
  private final int padId;
  private final List<Integer> lengths = new ArrayList<>();
  private final List<String> docIds = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();
  private final List<String> domains = new ArrayList<>();
  private int used;

  public RowBuilder(int seqLen, int padId) {
    this.tokens = new int[seqLen];
    this.padId = padId;
  }

  public int remaining() {
    return tokens.length - used;
  }

  public boolean isEmpty() {
    return used == 0;
  }

  /** Appends source[from, from + count) as one segment: a piece of document {@code docId} at {@code offset}. */
  public void add(int[] source, int from, int count, String docId, int offset, String domain) {
    System.arraycopy(source, from, tokens, used, count);
    used += count;
    lengths.add(count);
    docIds.add(docId);
    offsets.add(offset);
    domains.add(domain);
  }

  public PackedSequence build() {
    Arrays.fill(tokens, used, tokens.length, padId);
    return new PackedSequence(
        tokens.clone(),
        lengths.stream().mapToInt(Integer::intValue).toArray(),
        docIds.toArray(String[]::new),
        offsets.stream().mapToInt(Integer::intValue).toArray(),
        domains.toArray(String[]::new));
  }
}

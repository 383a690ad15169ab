package org.emoflow.model.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * For BPE training: the weighted count of every adjacent symbol pair, the words that (may) hold it,
 * and the most frequent pair on demand. Pairs are packed in a long as (left id, right id).
 *
 * <p>Count changes are collected with {@link #add} and applied together by {@link #flush}, once per
 * merge. The queue is lazy, so that a merge costs only the words it touches: a pair whose count
 * dropped keeps its old, too-high entry until that entry surfaces and is re-queued with the current
 * count; a pair whose count rose gets a fresh entry. Every live pair thus always has an entry at
 * least as high as its count, and the first entry that matches its pair's count is the true maximum.
 */
final class PairStatistics {
  /** Higher count first; ties go to the smaller pair, i.e. the smaller left id, then right id. */
  private static final Comparator<Candidate> MOST_FREQUENT_FIRST =
      Comparator.comparingLong(Candidate::count).reversed().thenComparingLong(Candidate::pair);

  private record Candidate(long count, long pair) {}

  /** A pair's count and the words it was seen in; stale and repeated words are tolerated. */
  private static final class PairEntry {
    final long pair;
    long count;
    long pendingDelta;
    boolean pending;
    boolean forbidden;
    int[] words = new int[2];
    int wordCount;

    PairEntry(long pair) {
      this.pair = pair;
    }

    void addWord(int word) {
      if (wordCount > 0 && words[wordCount - 1] == word) {
        return;
      }
      if (wordCount == words.length) {
        words = Arrays.copyOf(words, wordCount * 2);
      }
      words[wordCount++] = word;
    }
  }

  private final LongKeyedTable<PairEntry> entries = new LongKeyedTable<>();
  private final PriorityQueue<Candidate> queue = new PriorityQueue<>(MOST_FREQUENT_FIRST);
  private final List<PairEntry> changed = new ArrayList<>();

  static long pair(int left, int right) {
    return ((long) left << 32) | right;
  }

  static int left(long pair) {
    return (int) (pair >>> 32);
  }

  static int right(long pair) {
    return (int) pair;
  }

  /** Records that {@code word} gained ({@code delta > 0}) or lost occurrences of {@code pair}. */
  void add(long pair, long delta, int word) {
    PairEntry entry =
        delta > 0 ? entries.computeIfAbsent(pair, () -> new PairEntry(pair)) : entries.get(pair);
    if (entry == null || entry.forbidden) {
      return;
    }
    if (delta > 0) {
      entry.addWord(word);
    }
    entry.pendingDelta += delta;
    if (!entry.pending) {
      entry.pending = true;
      changed.add(entry);
    }
  }

  /** Applies the changes since the last flush, queueing each pair whose count rose once. */
  void flush() {
    for (PairEntry entry : changed) {
      entry.count += entry.pendingDelta;
      if (entry.count <= 0) {
        entries.remove(entry.pair);
      } else if (entry.pendingDelta > 0) {
        queue.add(new Candidate(entry.count, entry.pair));
      }
      entry.pendingDelta = 0;
      entry.pending = false;
    }
    changed.clear();
  }

  /** The most frequent pair, or -1 when no pair is left. It stays counted until {@link #take}. */
  long mostFrequent() {
    for (Candidate top = queue.peek(); top != null; top = queue.peek()) {
      PairEntry entry = entries.get(top.pair());
      if (entry != null && !entry.forbidden && entry.count == top.count()) {
        return top.pair();
      }
      queue.poll();
      if (entry != null && !entry.forbidden && entry.count < top.count()) {
        queue.add(new Candidate(entry.count, top.pair()));
      }
    }
    return -1;
  }

  /** Removes a pair about to be merged away and returns the words that may hold it. */
  int[] take(long pair) {
    PairEntry entry = entries.get(pair);
    entries.remove(pair);
    return Arrays.copyOf(entry.words, entry.wordCount);
  }

  /** Excludes a pair for good: it will never be counted or returned again. */
  void forbid(long pair) {
    PairEntry entry = entries.get(pair);
    entry.forbidden = true;
    entry.words = null;
  }
}

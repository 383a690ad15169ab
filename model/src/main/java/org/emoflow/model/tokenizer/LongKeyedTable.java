package org.emoflow.model.tokenizer;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A hash map from non-negative longs to values, with no boxing: BPE training looks pairs up tens of
 * millions of times, where {@code HashMap<Long, V>} spent most of its time allocating keys. Open
 * addressing with linear probing; removal shifts later entries back, so no tombstones pile up.
 */
final class LongKeyedTable<V> {
  private static final long EMPTY = -1;

  private long[] keys;
  private Object[] values;
  private int shift;
  private int size;

  LongKeyedTable() {
    allocate(1 << 16);
  }

  V get(long key) {
    for (int i = home(key); keys[i] != EMPTY; i = next(i)) {
      if (keys[i] == key) {
        return valueAt(i);
      }
    }
    return null;
  }

  V computeIfAbsent(long key, Supplier<V> create) {
    int i = home(key);
    for (; keys[i] != EMPTY; i = next(i)) {
      if (keys[i] == key) {
        return valueAt(i);
      }
    }
    V value = create.get();
    keys[i] = key;
    values[i] = value;
    if (++size * 2 > keys.length) {
      rehash(keys.length * 2);
    }
    return value;
  }

  void remove(long key) {
    int hole = home(key);
    while (keys[hole] != key) {
      if (keys[hole] == EMPTY) {
        return;
      }
      hole = next(hole);
    }
    // Move back each later entry of the probe run that may live in the hole (its home is not past it).
    for (int i = next(hole); keys[i] != EMPTY; i = next(i)) {
      int distanceFromHome = (i - home(keys[i])) & (keys.length - 1);
      int distanceFromHole = (i - hole) & (keys.length - 1);
      if (distanceFromHome >= distanceFromHole) {
        keys[hole] = keys[i];
        values[hole] = values[i];
        hole = i;
      }
    }
    keys[hole] = EMPTY;
    values[hole] = null;
    size--;
  }

  private int home(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
  }

  private int next(int i) {
    return (i + 1) & (keys.length - 1);
  }

  @SuppressWarnings("unchecked")
  private V valueAt(int i) {
    return (V) values[i];
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    allocate(capacity);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        int j = home(oldKeys[i]);
        while (keys[j] != EMPTY) {
          j = next(j);
        }
        keys[j] = oldKeys[i];
        values[j] = oldValues[i];
      }
    }
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    Arrays.fill(keys, EMPTY);
    values = new Object[capacity];
    shift = 64 - Integer.numberOfTrailingZeros(capacity);
  }
}

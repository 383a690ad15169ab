package org.emoflow.transforms.prepare;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A progress line for long local runs. Workers in this JVM (DirectRunner, Flink [local]) add to the
 * counters; a daemon prints them every few seconds while they move. On a remote cluster the counters
 * stay at zero here and nothing is printed (Beam's metrics report there).
 */
public final class PrepareProgress {
  private static final LongAdder DOCUMENTS = new LongAdder();
  private static final LongAdder CHARACTERS = new LongAdder();
  private static final LongAdder TOKENS = new LongAdder();
  private static final LongAdder SEQUENCES = new LongAdder();

  private PrepareProgress() {}

  static void documentRead(long characters) {
    DOCUMENTS.increment();
    CHARACTERS.add(characters);
  }

  static void tokenized(long tokens) {
    TOKENS.add(tokens);
  }

  static void sequencesPacked(long rows) {
    SEQUENCES.add(rows);
  }

  /** Starts printing; close the result when the pipeline is done. */
  public static AutoCloseable report(PrintStream out, long everySeconds) {
    DOCUMENTS.reset();
    CHARACTERS.reset();
    TOKENS.reset();
    SEQUENCES.reset();
    long started = System.nanoTime();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "prepare-progress");
      thread.setDaemon(true);
      return thread;
    });
    long[] last = {-1};
    timer.scheduleAtFixedRate(() -> {
      long moved = DOCUMENTS.sum() + TOKENS.sum() + SEQUENCES.sum();
      if (moved > 0 && moved != last[0]) {
        last[0] = moved;
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf("prepare: %,d documents read (%.1f M chars), %,d tokens, %,d sequences packed [%.0fs]%n",
            DOCUMENTS.sum(), CHARACTERS.sum() / 1e6, TOKENS.sum(), SEQUENCES.sum(), seconds);
      }
    }, everySeconds, everySeconds, TimeUnit.SECONDS);
    return timer::shutdownNow;
  }
}

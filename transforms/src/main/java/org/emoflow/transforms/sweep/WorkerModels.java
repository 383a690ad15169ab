package org.emoflow.transforms.sweep;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.CorruptCheckpointException;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.nn.LanguageModel;

/**
 * Per worker JVM, the sweep's models stay loaded between elements, bundles and stages: a checkpoint is
 * loaded once per JVM and thread that uses it at the same moment, never once per cell. A model is lent to
 * one element at a time (forward passes allocate in the model's own manager), then returns to an idle
 * pool; of idle models the least recently used are closed beyond the given bound.
 */
public final class WorkerModels {
  private static final Map<String, Deque<Loaded>> IDLE = new LinkedHashMap<>(16, 0.75f, true);
  private static final AtomicLong LOADS = new AtomicLong();
  private static int idleCount;

  private WorkerModels() {}

  /** A model and the base manager it lives in, closed together. */
  private record Loaded(LanguageModel model, NDManager manager) implements AutoCloseable {
    @Override
    public void close() {
      model.close();
      manager.close();
    }
  }

  /** A borrowed model; closing it hands it back. */
  public static final class Lease implements AutoCloseable {
    private final String key;
    private final Loaded loaded;
    private final int maxIdle;

    private Lease(String key, Loaded loaded, int maxIdle) {
      this.key = key;
      this.loaded = loaded;
      this.maxIdle = maxIdle;
    }

    public LanguageModel model() {
      return loaded.model();
    }

    @Override
    public void close() {
      giveBack(key, loaded, maxIdle);
    }
  }

  public static Lease borrow(SweepCheckpoint checkpoint, int maxIdle) throws IOException {
    String key = checkpoint.cacheKey();
    synchronized (IDLE) {
      Deque<Loaded> idle = IDLE.get(key);
      if (idle != null && !idle.isEmpty()) {
        idleCount--;
        return new Lease(key, idle.pop(), maxIdle);
      }
    }
    return new Lease(key, load(checkpoint), maxIdle);
  }

  /** Models loaded by this JVM since it started: a sweep should load each checkpoint about once per worker. */
  public static long loads() {
    return LOADS.get();
  }

  /** Closes every idle model (after a sweep in a JVM that goes on with other work). */
  public static void closeIdle() {
    synchronized (IDLE) {
      IDLE.values().forEach(idle -> idle.forEach(Loaded::close));
      IDLE.clear();
      idleCount = 0;
    }
  }

  /** libtorch's intra-op threads for this JVM (0 leaves them as they are). */
  static void useThreads(int threads) {
    // The engine loads libtorch; until then its JNI methods are not bound.
    Compute.engine();
    if (threads > 0 && JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
  }

  private static Loaded load(SweepCheckpoint checkpoint) throws IOException {
    Path dir = Path.of(checkpoint.directory());
    NDManager manager = Compute.newManager();
    try (ModelCheckpoint source = ModelCheckpoint.open(dir, manager)) {
      // Opening verified the files (an emoflow checkpoint's checksums); this says they are the ones planned on.
      if (!source.fingerprint().equals(checkpoint.checksumsSha256())) {
        throw new CorruptCheckpointException(dir + " changed since the sweep was planned (its fingerprint differs)");
      }
      LanguageModel model = source.load(manager);
      LOADS.incrementAndGet();
      return new Loaded(model, manager);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static void giveBack(String key, Loaded loaded, int maxIdle) {
    synchronized (IDLE) {
      IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(loaded);
      idleCount++;
      Iterator<Map.Entry<String, Deque<Loaded>>> eldest = IDLE.entrySet().iterator();
      while (idleCount > maxIdle && eldest.hasNext()) {
        Map.Entry<String, Deque<Loaded>> entry = eldest.next();
        while (idleCount > maxIdle && !entry.getValue().isEmpty()) {
          entry.getValue().removeLast().close();
          idleCount--;
        }
        if (entry.getValue().isEmpty()) {
          eldest.remove();
        }
      }
    }
  }
}

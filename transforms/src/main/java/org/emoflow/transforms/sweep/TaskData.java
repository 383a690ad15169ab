package org.emoflow.transforms.sweep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.GenerativeTask;
import org.emoflow.model.eval.MultipleChoice;
import org.emoflow.model.select.CalibrationDocuments;
import org.emoflow.model.tokenizer.TextTokenizer;

/**
 * What a task is scored and calibrated on, read from the checkpoint's prepared dataset (its splits, its
 * tokenizer). Evaluation sets and byte tables are kept per worker JVM (a few, least recently used out):
 * every cell of a task is evaluated on the same rows. Calibration sets are read per group, which uses
 * them once.
 */
final class TaskData {
  private static final int CACHED = 16;
  private static final Map<String, Object> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
      return size() > CACHED;
    }
  };

  private TaskData() {}

  private interface Loader<T> {
    T load() throws IOException;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cached(String key, Loader<T> loader) throws IOException {
    synchronized (CACHE) {
      Object value = CACHE.get(key);
      if (value != null) {
        return (T) value;
      }
    }
    // Loaded outside the lock: two threads may both load a missing entry, and both get equal values.
    T value = loader.load();
    synchronized (CACHE) {
      CACHE.put(key, value);
    }
    return value;
  }

  /** UTF-8 length of every token id of the dataset's tokenizer, for bits per byte. */
  static int[] tokenBytes(SweepCheckpoint checkpoint) throws IOException {
    return cached("bytes\u0000" + checkpoint.dataDir(), () -> {
      try (TextTokenizer tokenizer = dataset(checkpoint).openTokenizer()) {
        return tokenizer.tokenByteLengths();
      }
    });
  }

  /** The task domain's validation documents. */
  static List<PackedSequence> evaluationRows(SweepCheckpoint checkpoint, SweepTask task, int maxDocuments)
      throws IOException {
    return cached(String.join("\u0000", "lm", checkpoint.dataDir(), task.domain(), Integer.toString(maxDocuments)),
        () -> dataset(checkpoint).domainRows(PreparedDataset.VALIDATION, task.domain(), maxDocuments));
  }

  /** The task file's examples in the checkpoint's tokens, fit to rows of {@code seqLen}. */
  static List<MultipleChoice.Tokenized> evaluationExamples(SweepCheckpoint checkpoint, SweepTask task, int maxExamples,
      int seqLen) throws IOException {
    return cached(String.join("\u0000", "mc", checkpoint.dataDir(), task.file(), Integer.toString(maxExamples),
        Integer.toString(seqLen)), () -> examples(checkpoint, Path.of(task.file()), maxExamples, seqLen));
  }

  /** The generative task file's examples in the checkpoint's tokens, prompts fit to rows of {@code seqLen}. */
  static List<GenerativeTask.Tokenized> generativeExamples(SweepCheckpoint checkpoint, SweepTask task, int maxExamples,
      int seqLen) throws IOException {
    return cached(String.join("\u0000", "gen", checkpoint.dataDir(), task.file(), Integer.toString(maxExamples),
        Integer.toString(seqLen), Integer.toString(task.maxNewTokens())),
        () -> generative(checkpoint, Path.of(task.file()), maxExamples, seqLen, task.maxNewTokens()));
  }

  /**
   * Calibration rows: for a domain, {@code documents} whole documents of the train split sampled by
   * {@code seed} ({@link CalibrationDocuments}, the sample {@code prune} takes with the same numbers); for a
   * multiple-choice task, context + correct choice of the calibration file's first examples, one segment each;
   * for a generative task, prompt + answer of them.
   *
   * @param documents how many (null: all)
   */
  static List<PackedSequence> calibrationRows(SweepCheckpoint checkpoint, SweepTask task, Integer documents,
      long seed, int seqLen) throws IOException {
    int limit = documents == null ? 0 : documents;
    PreparedDataset data = dataset(checkpoint);
    if (task.isLanguageModelling()) {
      return CalibrationDocuments.select(data, PreparedDataset.TRAIN, task.domain(), limit, seed);
    }
    Path file = Path.of(task.calibrationFile());
    if (task.isGenerative()) {
      return GenerativeTask.goldRows(generative(checkpoint, file, limit, seqLen, task.maxNewTokens()), task.name(),
          seqLen, data.padId());
    }
    return MultipleChoice.goldRows(examples(checkpoint, file, limit, seqLen), task.name(), seqLen, data.padId());
  }

  static int padId(SweepCheckpoint checkpoint) throws IOException {
    return cached("pad\u0000" + checkpoint.dataDir(), () -> dataset(checkpoint).padId());
  }

  static PreparedDataset dataset(SweepCheckpoint checkpoint) throws IOException {
    return PreparedDataset.open(Path.of(checkpoint.dataDir()));
  }

  private static List<GenerativeTask.Tokenized> generative(SweepCheckpoint checkpoint, Path file, int limit,
      int seqLen, int maxNewTokens) throws IOException {
    try (TextTokenizer tokenizer = dataset(checkpoint).openTokenizer()) {
      return GenerativeTask.tokenize(GenerativeTask.read(file, limit), tokenizer, seqLen, maxNewTokens);
    }
  }

  private static List<MultipleChoice.Tokenized> examples(SweepCheckpoint checkpoint, Path file, int limit, int seqLen)
      throws IOException {
    try (TextTokenizer tokenizer = dataset(checkpoint).openTokenizer()) {
      return MultipleChoice.tokenize(MultipleChoice.read(file, limit), tokenizer, seqLen);
    }
  }
}

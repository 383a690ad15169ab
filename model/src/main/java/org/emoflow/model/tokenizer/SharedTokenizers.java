package org.emoflow.model.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.emoflow.model.io.Checksums;

/**
 * One loaded tokenizer per definition and JVM, shared by every thread that asks for it, and freed when
 * the last one lets go. A HuggingFace tokenizer takes about a second of CPU to load, once per worker
 * thread when each loads its own: on 2 cores, three loads per prepare run were 10% of its tokenizing.
 * A tokenizer.json is identified by its path and content, so a file rewritten between runs is reloaded.
 */
final class SharedTokenizers {
  private record Key(String spec, String eosToken, String content) {}

  private static final class Loaded {
    final TextTokenizer tokenizer;
    int users;

    Loaded(TextTokenizer tokenizer) {
      this.tokenizer = tokenizer;
    }
  }

  private static final Map<Key, Loaded> LOADED = new HashMap<>();

  private SharedTokenizers() {}

  /** Loading happens under the lock: threads that want the same tokenizer wait for one load. */
  static synchronized TextTokenizer acquire(String spec, String eosToken) {
    Key key = new Key(spec, eosToken, contentOf(spec));
    Loaded loaded = LOADED.get(key);
    if (loaded == null) {
      loaded = new Loaded(Tokenizers.load(spec, eosToken));
      LOADED.put(key, loaded);
    }
    loaded.users++;
    return new Handle(key, loaded.tokenizer);
  }

  private static synchronized void release(Key key) {
    Loaded loaded = LOADED.get(key);
    if (--loaded.users == 0) {
      LOADED.remove(key);
      loaded.tokenizer.close();
    }
  }

  /** A tokenizer.json's checksum; an encoding name stands for itself (jtokkit's tables are immutable). */
  private static String contentOf(String spec) {
    if (TiktokenEncoding.byName(spec).isPresent()) {
      return "";
    }
    Path path = Path.of(spec).toAbsolutePath().normalize();
    if (!Files.isRegularFile(path)) {
      return "";  // Tokenizers.load names the problem
    }
    try {
      return Checksums.sha256(Files.readAllBytes(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer file " + path, e);
    }
  }

  /** The shared tokenizer as its user sees it: closing it releases this user's share, once. */
  private static final class Handle implements TextTokenizer {
    private final Key key;
    private final TextTokenizer shared;
    private boolean released;

    Handle(Key key, TextTokenizer shared) {
      this.key = key;
      this.shared = shared;
    }

    @Override
    public int[] encode(String text) {
      return shared.encode(text);
    }

    @Override
    public String decode(int[] ids) {
      return shared.decode(ids);
    }

    @Override
    public int eosId() {
      return shared.eosId();
    }

    @Override
    public int vocabSize() {
      return shared.vocabSize();
    }

    @Override
    public int[] tokenByteLengths() {
      return shared.tokenByteLengths();
    }

    @Override
    public String name() {
      return shared.name();
    }

    @Override
    public String backend() {
      return shared.backend();
    }

    @Override
    public String fingerprint() {
      return shared.fingerprint();
    }

    @Override
    public synchronized void close() {
      if (!released) {
        released = true;
        release(key);
      }
    }
  }
}

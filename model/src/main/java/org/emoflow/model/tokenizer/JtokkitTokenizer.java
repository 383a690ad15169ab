package org.emoflow.model.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.emoflow.model.io.Checksums;

/** A tiktoken encoding through jtokkit (pure Java). */
final class JtokkitTokenizer implements TextTokenizer {
  /** Rank tables are immutable and large (cl100k: ~100k entries): load each once per JVM. */
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private static final String JTOKKIT_VERSION = readJtokkitVersion();

  private final TiktokenEncoding definition;
  private final Encoding encoding;
  private final int eosId;
  private final String fingerprint;

  JtokkitTokenizer(TiktokenEncoding definition, String eosToken) {
    this.definition = definition;
    this.encoding = REGISTRY.getEncoding(definition.type);
    String identity = definition.encodingName() + "\njtokkit " + JTOKKIT_VERSION;
    this.fingerprint = Checksums.sha256(identity.getBytes(StandardCharsets.UTF_8));
    if (eosToken == null) {
      this.eosId = definition.endOfTextId();
    } else if (definition.specialTokenIds.containsKey(eosToken)) {
      this.eosId = definition.specialTokenIds.get(eosToken);
    } else {
      throw new IllegalArgumentException(
          "EOS token '" + eosToken + "' is not a special token of " + definition.encodingName()
              + "; it has " + definition.specialTokenIds.keySet());
    }
  }

  @Override
  public int[] encode(String text) {
    return LongRunSplitter.encode(text, piece -> encoding.encodeOrdinary(piece).toArray());
  }

  @Override
  public String decode(int[] ids) {
    IntArrayList list = new IntArrayList(ids.length);
    for (int id : ids) {
      list.add(id);
    }
    return encoding.decode(list);
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int[] tokenByteLengths() {
    int[] lengths = new int[definition.vocabSize];
    com.knuddels.jtokkit.api.IntArrayList single = new com.knuddels.jtokkit.api.IntArrayList(1);
    for (int id = 0; id < lengths.length; id++) {
      if (definition.specialTokenIds.containsValue(id)) {
        continue;
      }
      single.clear();
      single.add(id);
      try {
        lengths[id] = encoding.decodeBytes(single).length;
      } catch (RuntimeException unassigned) {
        // Ids between the ordinary ranks and the specials stand for nothing.
      }
    }
    return lengths;
  }

  @Override
  public int vocabSize() {
    return definition.vocabSize;
  }

  @Override
  public String name() {
    return definition.encodingName();
  }

  @Override
  public String backend() {
    return "jtokkit";
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  /** Nothing to free: the rank tables are shared. */
  @Override
  public void close() {}

  /** jtokkit's jar names no version, so the build writes the one it resolved into a resource. */
  private static String readJtokkitVersion() {
    try (InputStream in = JtokkitTokenizer.class.getResourceAsStream("jtokkit.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

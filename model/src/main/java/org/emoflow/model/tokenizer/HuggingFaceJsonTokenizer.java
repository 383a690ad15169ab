package org.emoflow.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A {@code tokenizer.json} through DJL's binding of HuggingFace's Rust tokenizers.
 *
 * <p>Encoding asks the native library for the ids alone: DJL's {@code encode} also copies tokens, type
 * ids, word ids, masks and char spans across JNI, which cut throughput on the shared corpus from 1.0-1.2
 * to 0.6-0.7 MB/s. DJL's own text preparation (prefix space, lower-casing, accent stripping) is off
 * under {@link #OPTIONS}, so the native call sees the same text.
 */
final class HuggingFaceJsonTokenizer implements TextTokenizer {
  /** Without these DJL adds BOS/EOS templates and truncates to 512 tokens. */
  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final String name;
  private final String fingerprint;
  private final int vocabSize;
  private final int eosId;
  private final Map<Integer, String> specialTokens;
  private final int[] tokenByteLengths;
  private final HuggingFaceTokenizer tokenizer;

  HuggingFaceJsonTokenizer(TokenizerJsonFile definition, String eosToken) {
    this.name = definition.path().toString();
    this.fingerprint = definition.fingerprint();
    this.vocabSize = definition.vocabSize();
    this.eosId = definition.eosId(eosToken);
    this.specialTokens = definition.specialTokensById();
    this.tokenByteLengths = definition.tokenByteLengths();
    byte[] encoderJson = definition.withoutSpecialTokens().getBytes(StandardCharsets.UTF_8);
    try {
      // From a stream, not a path: a path makes DJL also apply a tokenizer_config.json found beside it.
      this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(encoderJson), OPTIONS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "HuggingFace tokenizers cannot load " + definition.path() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public int[] encode(String text) {
    return LongRunSplitter.encode(text, this::encodeInOneCall);
  }

  private int[] encodeInOneCall(String text) {
    TokenizersLibrary library = TokenizersLibrary.LIB;
    long encoding;
    try {
      encoding = library.encode(tokenizer.getHandle(), text, false);
    } finally {
      keepNativeTokenizer();
    }
    try {
      long[] wideIds = library.getTokenIds(encoding);
      int[] ids = new int[wideIds.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (int) wideIds[i];
      }
      return ids;
    } finally {
      library.deleteEncoding(encoding);
    }
  }

  /** Runs of ordinary ids go to the native decoder; special ids, which it does not know, are spliced in. */
  @Override
  public String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    int runStart = 0;
    for (int i = 0; i < ids.length; i++) {
      String special = specialTokens.get(ids[i]);
      if (special != null) {
        appendDecoded(ids, runStart, i, text);
        text.append(special);
        runStart = i + 1;
      }
    }
    appendDecoded(ids, runStart, ids.length, text);
    return text.toString();
  }

  private void appendDecoded(int[] ids, int from, int to, StringBuilder text) {
    if (from < to) {
      try {
        text.append(tokenizer.decode(Arrays.stream(ids, from, to).asLongStream().toArray(), false));
      } finally {
        keepNativeTokenizer();
      }
    }
  }

  /**
   * DJL frees the native tokenizer when its Java object is finalized, and a native call that holds only
   * the handle does not keep that object alive: without this fence, a tokenizer dropped by its caller
   * mid-call was freed under the running native code (seen as {@code BPE::merge_word} never returning).
   */
  private void keepNativeTokenizer() {
    Reference.reachabilityFence(tokenizer);
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int[] tokenByteLengths() {
    return tokenByteLengths.clone();
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String backend() {
    return "huggingface";
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}

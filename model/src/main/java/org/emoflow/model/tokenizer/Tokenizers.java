package org.emoflow.model.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a {@link TextTokenizer} from a spec: a tiktoken encoding name or a {@code tokenizer.json} path. */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * @param spec {@code r50k_base}, {@code p50k_base}, {@code p50k_edit}, {@code cl100k_base},
   *     {@code o200k_base} (jtokkit), or the path of a HuggingFace {@code tokenizer.json}
   * @throws IllegalArgumentException naming the problem: an unknown name with no such file, a file that
   *     is not a tokenizer definition, or one without a recognisable EOS token
   */
  public static TextTokenizer load(String spec) {
    return load(spec, null);
  }

  /**
   * As {@link #load(String)}, with the EOS token named: for a {@code tokenizer.json} an added token or
   * vocabulary entry; for a tiktoken encoding one of its special tokens. {@code null}: the default.
   */
  public static TextTokenizer load(String spec, String eosToken) {
    var encoding = TiktokenEncoding.byName(spec);
    if (encoding.isPresent()) {
      return new JtokkitTokenizer(encoding.get(), eosToken);
    }
    Path path = Path.of(spec).toAbsolutePath().normalize();
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(
          "unknown tokenizer '" + spec + "': not a tiktoken encoding (" + TiktokenEncoding.names()
              + ") and no tokenizer.json file at " + path);
    }
    return new HuggingFaceJsonTokenizer(TokenizerJsonFile.read(path), eosToken);
  }

  /**
   * As {@link #load(String, String)}, but every caller in this JVM that names the same definition gets
   * the same loaded tokenizer, loaded once; closing the result releases it, and the last release frees
   * it. For workers: each thread's DoFn acquires it in {@code @Setup} and closes it in {@code @Teardown}.
   */
  public static TextTokenizer shared(String spec, String eosToken) {
    return SharedTokenizers.acquire(spec, eosToken);
  }
}

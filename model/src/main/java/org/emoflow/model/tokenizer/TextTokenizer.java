package org.emoflow.model.tokenizer;

/**
 * Text to token ids and back, over a tiktoken encoding or a HuggingFace {@code tokenizer.json}; get
 * one from {@link Tokenizers#load}, or {@link Tokenizers#shared} for one per JVM.
 *
 * <p><b>Threads:</b> an instance may be used by several threads at once: jtokkit's rank tables are
 * immutable, and HuggingFace's native tokenizer encodes and decodes through shared references only.
 * A HuggingFace instance is dear to load (cl100k: ~0.9 s of CPU, up to ~70 MB), so workers share one
 * ({@link Tokenizers#shared}) instead of loading one per thread.
 *
 * <p>Tiktoken encodings and byte-level BPE files (GPT-2's kind, and what {@link BpeTrainer} writes)
 * work on UTF-8 bytes, so any valid Unicode string round-trips; a lone surrogate is not valid Unicode
 * and does not. A {@code tokenizer.json} that normalizes text, or has no byte fallback, cannot promise
 * round trips.
 */
public interface TextTokenizer extends AutoCloseable {
  /**
   * Tokenizes ordinary text: no special tokens are added, and special-token strings in the text
   * (say a literal {@code <|endoftext|>}) are tokenized as text, never as their special ids. Never
   * truncates. Runs of more than 1,000 chars without a change between whitespace and non-whitespace
   * are tokenized in pieces of that length, which bounds the time pathological documents take; text
   * without such runs gets exactly the backend's tokens.
   */
  int[] encode(String text);

  /** The text of {@code ids}: exactly the input for ids from {@link #encode}. */
  String decode(int[] ids);

  int eosId();

  /** One more than the largest id this tokenizer can produce, special tokens included. */
  int vocabSize();

  /**
   * For each id, the UTF-8 bytes of text it stands for (special tokens: 0), so that bits per byte can be
   * computed from token losses: byte-level tokens may hold part of a character, so decoding a single
   * id is not the way to count them.
   */
  int[] tokenByteLengths();

  /** The encoding name ({@code cl100k_base}) or the absolute path of the {@code tokenizer.json}. */
  String name();

  /** {@code "jtokkit"} or {@code "huggingface"}. */
  String backend();

  /**
   * SHA-256 (hex) of the definition: of the file's bytes for a {@code tokenizer.json}, of the encoding
   * name and the jtokkit version for a tiktoken encoding.
   */
  String fingerprint();

  @Override
  void close();
}

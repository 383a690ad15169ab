/**
 * Tokenizers for emoflow, free of Beam.
 *
 * <ul>
 *   <li>{@link org.emoflow.model.tokenizer.Tokenizers#load} gives a {@link
 *       org.emoflow.model.tokenizer.TextTokenizer} over a tiktoken encoding (jtokkit) or any
 *       HuggingFace {@code tokenizer.json} (DJL's native binding); {@link
 *       org.emoflow.model.tokenizer.Tokenizers#shared} gives the threads of a JVM one between them.
 *   <li>Training one's own byte-level BPE: count {@link
 *       org.emoflow.model.tokenizer.ByteLevelPreTokenizer#split} pieces over a corpus, pass the counts
 *       to {@link org.emoflow.model.tokenizer.BpeTrainer#train}, write the result with {@link
 *       org.emoflow.model.tokenizer.BpeModel#writeTokenizerJson} and load that file as above.
 * </ul>
 */
package org.emoflow.model.tokenizer;

package org.emoflow.pipelines.tokenizer;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.pipelines.cli.DocumentInputOptions;

/** Options of {@code ./emoflow train-tokenizer}, also the defaults of a run config's {@code tokenizer.train}. */
public interface TrainTokenizerOptions extends DocumentInputOptions {
  @Description("Path of the tokenizer.json to write (a local or shared file system).")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("Tokens in the vocabulary: 256 byte symbols, the learned merges and <|endoftext|>."
      + " Fewer when the words run out of pairs to merge.")
  @Default.Integer(8192)
  int getVocabSize();

  void setVocabSize(int value);

  @Description("Words (pre-tokens) seen fewer times than this in the corpus take no part in the merges.")
  @Default.Long(2)
  long getMinFrequency();

  void setMinFrequency(long value);

  @Description("At most this many of the most frequent words reach the merge phase, on one worker"
      + " (its memory); ties go to the smaller word.")
  @Default.Integer(1_000_000)
  int getMaxWords();

  void setMaxWords(int value);

  @Description("Replace an existing file at --output.")
  @Default.Boolean(false)
  boolean getOverwrite();

  void setOverwrite(boolean value);
}
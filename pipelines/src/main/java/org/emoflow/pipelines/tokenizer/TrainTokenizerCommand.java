package org.emoflow.pipelines.tokenizer;

import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;

/** {@code ./emoflow train-tokenizer}: a byte-level BPE tokenizer.json learned from raw corpora. */
public final class TrainTokenizerCommand implements Command<TrainTokenizerOptions> {

  @Override
  public String name() {
    return "train-tokenizer";
  }

  @Override
  public String summary() {
    return "Learn a byte-level BPE tokenizer (tokenizer.json) of a chosen vocab size from raw corpora.";
  }

  @Override
  public Class<TrainTokenizerOptions> optionsClass() {
    return TrainTokenizerOptions.class;
  }

  @Override
  public void validate(TrainTokenizerOptions options) {
    TrainTokenizerJob.validate(options);
  }

  @Override
  public int run(TrainTokenizerOptions options) throws Exception {
    TrainTokenizerJob.run(options, System.err);
    return ExitCodes.OK;
  }
}

package org.emoflow.pipelines.prepare;

import org.apache.beam.sdk.PipelineResult;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;

/** {@code ./emoflow prepare}: raw corpora to tokenized, document-packed Parquet. */
public final class PrepareCommand implements Command<PrepareOptions> {

  @Override
  public String name() {
    return "prepare";
  }

  @Override
  public String summary() {
    return "Tokenize raw corpora and pack them by document into training sequences (Parquet).";
  }

  @Override
  public Class<PrepareOptions> optionsClass() {
    return PrepareOptions.class;
  }

  @Override
  public void validate(PrepareOptions options) {
    PrepareJob.validate(options);
  }

  @Override
  public int run(PrepareOptions options) throws Exception {
    PipelineResult result = PrepareJob.run(options, System.err);
    return result.getState() == PipelineResult.State.DONE ? ExitCodes.OK : ExitCodes.FAILED;
  }
}

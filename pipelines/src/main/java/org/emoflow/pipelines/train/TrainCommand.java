package org.emoflow.pipelines.train;

import java.io.IOException;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;

/**
 * {@code ./emoflow train}: one training run (EMO or a baseline) on a prepared dataset, resuming from the
 * newest valid checkpoint in --output. Runs on a GPU when libtorch sees one, else on the CPU.
 */
public final class TrainCommand implements Command<TrainOptions> {

  @Override
  public String name() {
    return "train";
  }

  @Override
  public String summary() {
    return "Train an EMO, standard-MoE or dense model on a prepared dataset (DJL/PyTorch, GPU if present).";
  }

  @Override
  public Class<TrainOptions> optionsClass() {
    return TrainOptions.class;
  }

  @Override
  public void validate(TrainOptions options) {
    TrainJob.validate(options);
  }

  @Override
  public int run(TrainOptions options) throws IOException {
    TrainJob.run(options, name());
    return ExitCodes.OK;
  }
}

package org.emoflow.pipelines.cli;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.train.ChangedSettingsException;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;

/**
 * The options of a training run that do not shape the model: output, schedule, optimizer, batch and the
 * cadence of validation and checkpoints. {@code train} and {@code finetune} share them, and {@link #run}.
 */
public interface TrainingOptions extends PipelineOptions {
  @Description("Checkpoint directory; a run resumes from its newest valid checkpoint (refused before any work"
      + " if that was written with other settings).")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("Optimizer steps.")
  @Default.Integer(1000)
  int getSteps();

  void setSteps(int value);

  @Description("Seed for initialisation, data order and pool sizes: a CPU run repeats bit for bit.")
  @Default.Long(0)
  long getSeed();

  void setSeed(long value);

  @Description("Sequences per optimizer step (global batch).")
  @Default.Integer(16)
  int getBatchSize();

  void setBatchSize(int value);

  @Description("Sequences per forward/backward pass; must divide --batch-size (0: the whole batch).")
  @Default.Integer(0)
  int getMicroBatchSize();

  void setMicroBatchSize(int value);

  @Description("Peak learning rate (default: 3e-3 for train, 3e-4 for finetune).")
  Double getLr();

  void setLr(Double value);

  @Description("Linear warm-up steps (-1: a tenth of --steps).")
  @Default.Integer(-1)
  int getWarmup();

  void setWarmup(int value);

  @Description("The cosine schedule ends at this fraction of the peak learning rate.")
  @Default.Double(0.1)
  double getMinLrRatio();

  void setMinLrRatio(double value);

  @Description("AdamW weight decay (not applied to embeddings and norms).")
  @Default.Double(0.1)
  double getWeightDecay();

  void setWeightDecay(double value);

  @Description("Global gradient-norm clipping threshold (0: off).")
  @Default.Double(1.0)
  double getClipNorm();

  void setClipNorm(double value);

  @Description("Validate every this many steps (0: only at the end).")
  @Default.Integer(100)
  int getEvalInterval();

  void setEvalInterval(int value);

  @Description("Validation sequences, shared evenly among domains.")
  @Default.Integer(128)
  int getEvalSequences();

  void setEvalSequences(int value);

  @Description("Checkpoint every this many steps (and at the end).")
  @Default.Integer(100)
  int getCheckpointInterval();

  void setCheckpointInterval(int value);

  @Description("Checkpoints kept (newest first).")
  @Default.Integer(3)
  int getKeepCheckpoints();

  void setKeepCheckpoints(int value);

  @Description("Print a progress line every this many steps.")
  @Default.Integer(10)
  int getLogInterval();

  void setLogInterval(int value);

  @Description("libtorch intra-op threads (0: one per core).")
  @Default.Integer(0)
  int getThreads();

  void setThreads(int value);

  /** Checks what every training run's options must be, before any input is read. */
  static void validate(TrainingOptions options) {
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
    Path output = Path.of(options.getOutput());
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw InvalidOptionException.of("output", output + " exists and is not a directory");
    }
  }

  /** The run's training settings; {@code defaultLr} where --lr is not given. */
  static TrainConfig trainConfig(TrainingOptions options, double defaultLr) {
    try {
      int micro = options.getMicroBatchSize() == 0 ? options.getBatchSize() : options.getMicroBatchSize();
      int warmup = options.getWarmup() < 0 ? Math.max(1, options.getSteps() / 10) : options.getWarmup();
      double lr = options.getLr() == null ? defaultLr : options.getLr();
      return TrainConfig.builder(options.getSteps(), options.getSeed()).batchSize(options.getBatchSize())
          .microBatchSize(micro).learningRate(lr).warmupSteps(warmup).minLrRatio(options.getMinLrRatio())
          .weightDecay(options.getWeightDecay()).clipNorm(options.getClipNorm())
          .evalInterval(options.getEvalInterval()).evalSequences(options.getEvalSequences())
          .checkpointInterval(options.getCheckpointInterval()).keepCheckpoints(options.getKeepCheckpoints())
          .logInterval(options.getLogInterval()).build();
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("invalid training settings: " + e.getMessage());
    }
  }

  /**
   * Runs a trainer as {@code train} and {@code finetune} do: refuses a changed setting of an earlier run in
   * the output (as --output) before any work, then trains and prints where it ended.
   */
  static Trainer.Summary run(Trainer trainer, TrainingOptions options, String command) throws IOException {
    requireResumable(trainer);
    Compute.useThreads(options.getThreads());
    Trainer.Summary summary = trainer.run();
    System.err.printf("%s: step %d, %,.0f tokens/s, checkpoint %s%n", command, summary.finalStep(),
        summary.tokensPerSecond(), summary.finalCheckpoint());
    for (Map.Entry<String, Double> loss : summary.validationLoss().entrySet()) {
      System.err.printf("%s: validation loss %-12s %.4f%n", command, loss.getKey(), loss.getValue());
    }
    return summary;
  }

  /** Refuses, as --output, an earlier run in the output that was trained with other settings. */
  static void requireResumable(Trainer trainer) throws IOException {
    try {
      trainer.resumePoint();
    } catch (ChangedSettingsException e) {
      throw InvalidOptionException.of("output", e.getMessage());
    }
  }
}

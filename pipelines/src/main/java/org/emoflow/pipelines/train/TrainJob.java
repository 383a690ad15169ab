package org.emoflow.pipelines.train;

import java.io.IOException;
import java.nio.file.Path;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.OptionNames;
import org.emoflow.pipelines.cli.TrainingOptions;

/**
 * What {@code ./emoflow train} does, callable without the command line: check the options, build the model and
 * training settings against the data, train. The run command and the training benchmark use the same steps.
 */
public final class TrainJob {
  static final double DEFAULT_LR = 3e-3;

  private TrainJob() {}

  /** Model and training settings checked against the data, before any work. */
  public record Setup(PreparedDataset data, ModelConfig model, TrainConfig train) {}

  /** Checks the options alone, before any input is read. */
  public static void validate(TrainOptions options) {
    if (!ModelConfig.PRESETS.contains(options.getPreset())) {
      throw InvalidOptionException.of("preset", "unknown preset '" + options.getPreset() + "', expected one of "
          + ModelConfig.PRESETS);
    }
    try {
      RouterKind.parse(options.getRouter());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("router", e.getMessage());
    }
    TrainingOptions.validate(options);
  }

  /** Opens the data, checks the settings against it, trains (resuming from --output) and prints the outcome. */
  public static Trainer.Summary run(TrainOptions options, String command) throws IOException {
    Setup setup = setup(options);
    return TrainingOptions.run(new Trainer(setup.model(), setup.train(), setup.data(), Path.of(options.getOutput()),
        System.err::println), options, command);
  }

  public static Setup setup(TrainOptions options) throws IOException {
    PreparedDataset data;
    try {
      data = PreparedDataset.open(Path.of(options.getData()));
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    return new Setup(data, modelConfig(options, data.vocabSize(), data.seqLen()), trainConfig(options));
  }

  /** The preset with the options' overrides, for data of this vocabulary and sequence length. */
  public static ModelConfig modelConfig(TrainOptions options, int vocabSize, int seqLen) {
    try {
      RouterKind router = RouterKind.parse(options.getRouter());
      ModelConfig preset = ModelConfig.preset(options.getPreset(), vocabSize, seqLen, router);
      int experts = orElse(options.getExperts(), preset.experts());
      int topK = orElse(options.getTopK(), preset.topK());
      int routed = experts - 1;
      // The preset's pool range follows its own expert count; with other counts it spans k+1 .. all routed.
      boolean sameShape = experts == preset.experts() && topK == preset.topK();
      int poolMin = orElse(options.getPoolMin(), sameShape ? preset.poolMin() : Math.min(topK + 1, routed));
      int poolMax = orElse(options.getPoolMax(), sameShape ? preset.poolMax() : routed);
      int evalPool = orElse(options.getEvalPool(), sameShape ? preset.evalPool() : Math.min(preset.evalPool(), routed));
      return preset.toBuilder().experts(experts).topK(topK).pool(poolMin, poolMax).evalPool(evalPool)
          .lbWeight(options.getLbWeight() == null ? preset.lbWeight() : options.getLbWeight())
          .zLossWeight(options.getZLossWeight() == null ? preset.zLossWeight() : options.getZLossWeight())
          .intraDocumentMask(options.getIntraDocumentMask()).build();
    } catch (ModelConfig.InvalidSettingException e) {
      throw InvalidOptionException.of(OptionNames.toCamel(e.key().replace('_', '-')), e.value() + " " + e.problem());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("invalid model settings: " + e.getMessage());
    }
  }

  public static TrainConfig trainConfig(TrainOptions options) {
    return TrainingOptions.trainConfig(options, DEFAULT_LR);
  }

  private static int orElse(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}

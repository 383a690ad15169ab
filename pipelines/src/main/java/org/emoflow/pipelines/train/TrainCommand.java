package org.emoflow.pipelines.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.OptionNames;
import org.emoflow.pipelines.cli.TrainingOptions;

/**
 * {@code ./emoflow train}: one training run (EMO or a baseline) on a prepared dataset, resuming from the
 * newest valid checkpoint in --output. Runs on a GPU when libtorch sees one, else on the CPU.
 */
public final class TrainCommand implements Command<TrainCommand.Options> {
  static final double DEFAULT_LR = 3e-3;

  public interface Options extends TrainingOptions {
    @Description("A directory written by ./emoflow prepare.")
    @Validation.Required
    String getData();

    void setData(String value);

    @Description("Model shape: tiny (tests), small (CPU experiments), paper (1B active / 14B total).")
    @Default.String("small")
    String getPreset();

    void setPreset(String value);

    @Description("emo (document-pool routing), standard (token top-k) or dense (one FFN of the active size).")
    @Default.String("emo")
    String getRouter();

    void setRouter(String value);

    @Description("Experts per MoE layer, the shared one included (default: the preset's).")
    Integer getExperts();

    void setExperts(Integer value);

    @Description("Routed experts per token (default: the preset's).")
    Integer getTopK();

    void setTopK(Integer value);

    @Description("EMO: smallest pool size drawn while training (default: the preset's, top-k + 1).")
    Integer getPoolMin();

    void setPoolMin(Integer value);

    @Description("EMO: largest pool size drawn while training, at most the routed experts"
        + " (default: the preset's, all routed experts).")
    Integer getPoolMax();

    void setPoolMax(Integer value);

    @Description("EMO: pool size at evaluation, 0 for no pool, else top-k to the routed experts"
        + " (default: the preset's, at most the routed experts).")
    Integer getEvalPool();

    void setEvalPool(Integer value);

    @Description("Load-balancing loss weight, divided by the number of layers (default: the preset's).")
    Double getLbWeight();

    void setLbWeight(Double value);

    @Description("Router z-loss weight, divided by the number of layers (default: the preset's).")
    Double getZLossWeight();

    void setZLossWeight(Double value);

    @Description("Attend only within a document (same for every router kind); false attends across documents.")
    @Default.Boolean(true)
    boolean getIntraDocumentMask();

    void setIntraDocumentMask(boolean value);
  }

  @Override
  public String name() {
    return "train";
  }

  @Override
  public String summary() {
    return "Train an EMO, standard-MoE or dense model on a prepared dataset (DJL/PyTorch, GPU if present).";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (!ModelConfig.PRESETS.contains(options.getPreset())) {
      throw InvalidOptionException.of("preset", "unknown preset '" + options.getPreset() + "', expected one of "
          + ModelConfig.PRESETS);
    }
    try {
      RouterKind.parse(options.getRouter());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("router", e.getMessage());
    }
    if (options.getThreads() < 0) {
      throw InvalidOptionException.of("threads", "must not be negative");
    }
    Path output = Path.of(options.getOutput());
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw InvalidOptionException.of("output", output + " exists and is not a directory");
    }
  }

  @Override
  public int run(Options options) throws IOException {
    Setup setup = setup(options);
    TrainingOptions.run(new Trainer(setup.model(), setup.train(), setup.data(), Path.of(options.getOutput()),
        System.err::println), options, name());
    return ExitCodes.OK;
  }

  /** Model and training settings checked against the data, before any work. */
  public record Setup(PreparedDataset data, ModelConfig model, TrainConfig train) {}

  public static Setup setup(Options options) throws IOException {
    PreparedDataset data;
    try {
      data = PreparedDataset.open(Path.of(options.getData()));
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    return new Setup(data, modelConfig(options, data.vocabSize(), data.seqLen()), trainConfig(options));
  }

  /** The preset with the options' overrides, for data of this vocabulary and sequence length. */
  public static ModelConfig modelConfig(Options options, int vocabSize, int seqLen) {
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
      return new ModelConfig(preset.vocabSize(), preset.dModel(), preset.layers(), preset.heads(), experts, topK,
          preset.expertHidden(), preset.seqLen(), router, poolMin, poolMax, evalPool,
          options.getLbWeight() == null ? preset.lbWeight() : options.getLbWeight(),
          options.getZLossWeight() == null ? preset.zLossWeight() : options.getZLossWeight(),
          preset.ropeTheta(), options.getIntraDocumentMask(), preset.normEps(), preset.initStd());
    } catch (ModelConfig.InvalidSettingException e) {
      throw InvalidOptionException.of(OptionNames.toCamel(e.key().replace('_', '-')), e.value() + " " + e.problem());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("invalid model settings: " + e.getMessage());
    }
  }

  public static TrainConfig trainConfig(Options options) {
    return TrainingOptions.trainConfig(options, DEFAULT_LR);
  }

  private static int orElse(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}

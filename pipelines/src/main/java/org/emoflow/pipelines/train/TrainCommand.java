package org.emoflow.pipelines.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.train.ChangedSettingsException;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.OptionNames;

/**
 * {@code ./emoflow train}: one training run (EMO or a baseline) on a prepared dataset, resuming from the
 * newest valid checkpoint in --output. Runs on a GPU when libtorch sees one, else on the CPU.
 */
public final class TrainCommand implements Command<TrainCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("A directory written by ./emoflow prepare.")
    @Validation.Required
    String getData();

    void setData(String value);

    @Description("Checkpoint directory; a run resumes from its newest valid checkpoint (refused before any work"
        + " if that was written with other settings).")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("Model shape: tiny (tests), small (CPU experiments), paper (1B active / 14B total).")
    @Default.String("small")
    String getPreset();

    void setPreset(String value);

    @Description("emo (document-pool routing), standard (token top-k) or dense (one FFN of the active size).")
    @Default.String("emo")
    String getRouter();

    void setRouter(String value);

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

    @Description("Peak learning rate.")
    @Default.Double(3e-3)
    double getLr();

    void setLr(double value);

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
    Trainer trainer = new Trainer(setup.model(), setup.train(), setup.data(), Path.of(options.getOutput()),
        System.err::println);
    try {
      trainer.resumePoint();
    } catch (ChangedSettingsException e) {
      throw InvalidOptionException.of("output", e.getMessage());
    }
    Compute.useThreads(options.getThreads());
    Trainer.Summary summary = trainer.run();
    System.err.printf("train: step %d, %,.0f tokens/s, checkpoint %s%n", summary.finalStep(),
        summary.tokensPerSecond(), summary.finalCheckpoint());
    for (Map.Entry<String, Double> loss : summary.validationLoss().entrySet()) {
      System.err.printf("train: validation loss %-12s %.4f%n", loss.getKey(), loss.getValue());
    }
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
    try {
      int micro = options.getMicroBatchSize() == 0 ? options.getBatchSize() : options.getMicroBatchSize();
      int warmup = options.getWarmup() < 0 ? Math.max(1, options.getSteps() / 10) : options.getWarmup();
      return new TrainConfig(options.getSteps(), options.getBatchSize(), micro, options.getLr(), warmup,
          options.getMinLrRatio(), options.getWeightDecay(), 0.9, 0.95, 1e-8, options.getClipNorm(),
          options.getSeed(), options.getEvalInterval(), options.getEvalSequences(), options.getCheckpointInterval(),
          options.getKeepCheckpoints(), 1024, options.getLogInterval());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("invalid training settings: " + e.getMessage());
    }
  }

  private static int orElse(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}

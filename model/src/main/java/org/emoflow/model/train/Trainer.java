package org.emoflow.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.DomainStream;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.data.TrainingRows;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.io.Json;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.LayerRouting;
import org.emoflow.model.nn.Parameters;
import org.emoflow.model.nn.PoolSizes;
import org.emoflow.schemas.TrainingStep;
import org.emoflow.schemas.ValidationResult;

/**
 * Trains one model on a prepared dataset, resuming from the newest valid checkpoint in the output
 * directory. The objective per optimizer step is
 *
 * <pre>
 *   CE + (lb_weight / layers) sum_l L_LB(l) + (z_weight / layers) sum_l L_z(l)
 *   L_LB(l) = ((E-1)/k) sum_i f_i P_i,  f_i = top-k assignments to i / tokens,  P_i = mean router prob of i
 *   L_z(l)  = mean over tokens of logsumexp(router logits)^2
 * </pre>
 *
 * with f counted over the whole global batch. With several micro-batches, f is counted by a routing
 * pass before the gradient passes (routing does not change within a step), so each micro-batch's
 * gradient already uses the global counts.
 */
public final class Trainer {
  /** Receives progress lines and warnings. */
  public interface Listener {
    void log(String line);
  }

  /**
   * The outcome of a run, also written as {@value #SUMMARY_FILE}: where it ended (the final checkpoint
   * as an absolute path) and the last validation losses per domain.
   */
  public record Summary(
      long finalStep, String finalCheckpoint, long resumedFromStep, double tokensPerSecond,
      Map<String, Double> validationLoss) {

    public static Summary read(Path outputDir) throws IOException {
      return Json.read(Files.readString(outputDir.resolve(SUMMARY_FILE)), Summary.class);
    }
  }

  public static final String SUMMARY_FILE = "training.json";
  /** Where a run keeps its checkpoints, under its output directory. */
  public static final String CHECKPOINTS_DIRECTORY = "checkpoints";

  private final ModelConfig modelConfig;
  private final TrainConfig config;
  private final PreparedDataset data;
  private final Path output;
  private final Listener listener;
  private Optional<Path> resumePoint;
  private Path initialWeights;
  private List<String> domains;

  public Trainer(ModelConfig modelConfig, TrainConfig config, PreparedDataset data, Path output, Listener listener) {
    this.modelConfig = modelConfig;
    this.config = config;
    this.data = data;
    this.output = output;
    this.listener = listener;
  }

  /**
   * A fine-tune: a run that has no checkpoint yet starts from this checkpoint's weights (its config must be
   * this trainer's model config) instead of a random initialisation; resuming is unchanged.
   */
  public Trainer startingFrom(Path checkpoint) {
    this.initialWeights = checkpoint;
    return this;
  }

  /** Trains on these domains' training documents only ({@link DomainStream}) instead of the whole train split. */
  public Trainer onDomains(List<String> domains) {
    this.domains = List.copyOf(domains);
    return this;
  }

  public Summary run() throws IOException {
    Optional<Path> latest = resumePoint();
    Files.createDirectories(output);
    Checkpoints checkpoints = new Checkpoints(output.resolve(CHECKPOINTS_DIRECTORY));
    String dataSha = Checksums.sha256(data.root().resolve("manifest.json"));
    try (NDManager root = Compute.newManager();
        LanguageModel model = new LanguageModel(modelConfig, root, config.seed())) {
      AdamW optimizer = new AdamW(model.parameters(), config);
      TrainerState state = new TrainerState(0, 0, SequenceStream.Position.START, 0, config,
          data.root().toAbsolutePath().toString(), dataSha);
      if (latest.isPresent()) {
        state = resume(latest.get(), model, optimizer, dataSha);
      } else if (initialWeights != null) {
        Checkpoints.loadWeights(initialWeights.resolve(Checkpoints.MODEL), model.parameters(), "");
      }
      long resumedFrom = state.step();
      if (resumedFrom >= config.steps() && Files.exists(output.resolve(SUMMARY_FILE))) {
        listener.log("already trained to step " + resumedFrom + ": nothing to do");
        return Summary.read(output);
      }
      listener.log(String.format("training %s: %,d parameters (%,d active), %s, %s",
          modelConfig.router().id(), modelConfig.parameterCount(), modelConfig.activeParameterCount(),
          Compute.describe(), resumedFrom > 0 ? "resumed at step " + resumedFrom
              : initialWeights != null ? "from " + initialWeights : "from scratch"));
      List<PackedSequence> validation = ValidationSet.select(data, config.evalSequences());
      MetricsLog metrics = new MetricsLog(output, resumedFrom);
      Progress progress = new Progress(config.steps(), resumedFrom);
      Map<String, Double> lastValidation = Map.of();
      Path lastCheckpoint = latest.orElse(null);
      try (TrainingRows stream = domains == null
          ? new SequenceStream(data.files(PreparedDataset.TRAIN), config.seed(), config.shuffleWindow(), state.stream())
          : new DomainStream(data, domains, config.seed(), state.stream())) {
        long tokensSeen = state.tokensSeen();
        for (long step = resumedFrom + 1; step <= config.steps(); step++) {
          long started = System.nanoTime();
          StepResult result = step(model, optimizer, stream.next(config.batchSize()), step);
          double seconds = (System.nanoTime() - started) / 1e9;
          tokensSeen += result.tokens();
          metrics.add(metricsRow(step, result, seconds));
          progress.record(step, result, seconds);
          if (step % config.logInterval() == 0 || step == config.steps()) {
            listener.log(progress.line(step, result));
          }
          boolean last = step == config.steps();
          if (!validation.isEmpty() && ((config.evalInterval() > 0 && step % config.evalInterval() == 0) || last)) {
            lastValidation = validate(model, validation, step, metrics);
          }
          if (step % config.checkpointInterval() == 0 || last) {
            metrics.flush(step);
            TrainerState saved = new TrainerState(step, optimizer.updates(), stream.position(), tokensSeen, config,
                state.dataPath(), dataSha);
            lastCheckpoint = TrainingCheckpoint.save(checkpoints, model, optimizer, saved, config.keepCheckpoints());
            listener.log("checkpoint " + lastCheckpoint);
          }
        }
      }
      Summary summary = new Summary(config.steps(), lastCheckpoint.toAbsolutePath().toString(), resumedFrom,
          progress.tokensPerSecond(), lastValidation);
      AtomicFiles.writeString(output.resolve(SUMMARY_FILE), Json.write(summary));
      return summary;
    }
  }

  /**
   * The newest valid checkpoint in the output, which {@link #run} resumes from, or empty to start from
   * scratch. Call it before {@code run} to refuse changed settings before any work; found once.
   *
   * @throws ChangedSettingsException if that checkpoint was written with other settings
   */
  public Optional<Path> resumePoint() throws IOException {
    if (resumePoint == null) {
      Optional<Path> latest = new Checkpoints(output.resolve(CHECKPOINTS_DIRECTORY)).latestValid(listener::log);
      if (latest.isPresent()) {
        requireSameSettings(latest.get());
      }
      resumePoint = latest;
    }
    return resumePoint;
  }

  private void requireSameSettings(Path checkpoint) throws IOException {
    ModelConfig saved = Checkpoints.readConfig(checkpoint);
    TrainConfig savedConfig = TrainerState.read(checkpoint).trainConfig().withBookkeepingOf(config);
    if (!saved.equals(modelConfig) || !savedConfig.equals(config)) {
      String differences = RecordDiff.describe(saved, modelConfig) + RecordDiff.describe(savedConfig, config);
      throw new ChangedSettingsException(checkpoint + " was written with different settings ("
          + differences.substring(0, differences.length() - 2)
          + "); resume with the same settings or use a new --output");
    }
  }

  private TrainerState resume(Path checkpoint, LanguageModel model, AdamW optimizer, String dataSha)
      throws IOException {
    TrainerState state = TrainerState.read(checkpoint);
    if (!state.dataManifestSha256().equals(dataSha)) {
      listener.log("warning: the prepared data changed since " + checkpoint + " (manifest checksum differs)");
    }
    Checkpoints.loadWeights(checkpoint.resolve(Checkpoints.MODEL), model.parameters(), "");
    TrainingCheckpoint.loadOptimizer(checkpoint, model.parameters(), optimizer);
    return state;
  }

  /** One optimizer step over a global batch of rows. */
  StepResult step(LanguageModel model, AdamW optimizer, List<PackedSequence> rows, long step) {
    List<PackedBatch> microBatches = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += config.microBatchSize()) {
      microBatches.add(new PackedBatch(rows.subList(i, Math.min(rows.size(), i + config.microBatchSize()))));
    }
    long realTokens = microBatches.stream().mapToLong(b -> b.realTokens).sum();
    long scoredTokens = microBatches.stream().mapToLong(b -> b.scoredTokens).sum();
    if (scoredTokens == 0) {
      throw new IllegalStateException("step " + step + " has no scored tokens: are all sequences padding?");
    }
    boolean moe = modelConfig.router().isMoe();
    long[][] globalAssignments = moe && microBatches.size() > 1 ? countAssignments(model, microBatches, step) : null;
    Losses losses = new Losses(modelConfig, realTokens, scoredTokens);
    long[][] assignments = new long[modelConfig.layers()][modelConfig.routedExperts()];
    Engine engine = Compute.engine();
    for (int i = 0; i < microBatches.size(); i++) {
      try (NDManager manager = model.manager().newSubManager();
          GradientCollector collector = engine.newGradientCollector()) {
        ForwardContext context = trainingContext(model, microBatches.get(i), manager, step, i);
        NDArray crossEntropySum = model.targetLogProbabilities(model.hidden(context), context.batch).sum().neg();
        NDArray objective = losses.crossEntropy(crossEntropySum);
        if (moe) {
          for (int l = 0; l < modelConfig.layers(); l++) {
            long[] counts = context.routing(l).assignments();
            for (int e = 0; e < counts.length; e++) {
              assignments[l][e] += counts[e];
            }
          }
          long[][] counts = globalAssignments != null ? globalAssignments : assignments;
          for (int l = 0; l < modelConfig.layers(); l++) {
            LayerRouting routing = context.routing(l);
            objective = objective.add(losses.loadBalancing(routing, context.batch, counts[l]))
                .add(losses.zLoss(routing, context.batch));
          }
        }
        collector.backward(objective);
      }
    }
    double gradNorm = globalGradientNorm(model.parameters());
    if (!Double.isFinite(gradNorm) || !Double.isFinite(losses.crossEntropyValue())) {
      throw new IllegalStateException(String.format(
          "training diverged at step %d (loss %s, gradient norm %s); lower --lr or raise --warmup",
          step, losses.crossEntropyValue(), gradNorm));
    }
    double scale = config.clipNorm() > 0 && gradNorm > config.clipNorm() ? config.clipNorm() / gradNorm : 1.0;
    optimizer.update(model.parameters(), config.learningRateAt(step), scale);
    zeroGradients(model.parameters());
    return new StepResult(losses.crossEntropyValue(), losses.loadBalancingValue(), losses.zLossValue(),
        losses.totalValue(), gradNorm, realTokens, moe ? ExpertLoad.of(assignments) : ExpertLoad.NONE);
  }

  private ForwardContext trainingContext(
      LanguageModel model, PackedBatch batch, NDManager manager, long step, int microBatch) {
    BatchTensors tensors = new BatchTensors(batch, manager, modelConfig.intraDocumentMask());
    PoolSizes pools = modelConfig.router() == RouterKind.EMO
        ? PoolSizes.sampled(modelConfig, batch.segments, config.seed(), step, microBatch)
        : null;
    return new ForwardContext(tensors, modelConfig.layers(), pools, null, false);
  }

  /** A gradient-free routing pass over every micro-batch: the step's global expert counts. */
  private long[][] countAssignments(LanguageModel model, List<PackedBatch> microBatches, long step) {
    long[][] counts = new long[modelConfig.layers()][modelConfig.routedExperts()];
    for (int i = 0; i < microBatches.size(); i++) {
      try (NDManager manager = model.manager().newSubManager()) {
        ForwardContext context = trainingContext(model, microBatches.get(i), manager, step, i);
        model.hidden(context);
        for (int l = 0; l < counts.length; l++) {
          long[] layer = context.routing(l).assignments();
          for (int e = 0; e < layer.length; e++) {
            counts[l][e] += layer[e];
          }
        }
      }
    }
    return counts;
  }

  /** On the CPU summed in one read of each gradient's memory, in double precision and a fixed order. */
  private static double globalGradientNorm(Parameters parameters) {
    double sumOfSquares = 0;
    try (NDManager scratch = parameters.manager().newSubManager()) {
      NDList squares = new NDList();
      for (Parameters.Parameter p : parameters.all()) {
        NDArray gradient = p.array().getGradient();
        gradient.attach(scratch);
        if (HostMemory.holds(gradient)) {
          sumOfSquares += HostMemory.sumOfSquares(gradient);
        } else {
          squares.add(gradient.square().sum());
        }
      }
      if (!squares.isEmpty()) {
        sumOfSquares += NDArrays.stack(squares).sum().getFloat();
      }
    }
    return Math.sqrt(sumOfSquares);
  }

  private static void zeroGradients(Parameters parameters) {
    for (Parameters.Parameter p : parameters.all()) {
      JniUtils.zeroGrad((PtNDArray) p.array());
    }
  }

  private Map<String, Double> validate(
      LanguageModel model, List<PackedSequence> validation, long step, MetricsLog metrics) {
    Map<String, Evaluator.DomainLoss> losses =
        Evaluator.evaluate(model, validation, config.microBatchSize(), null, null);
    Map<String, Double> byDomain = new java.util.TreeMap<>();
    StringBuilder line = new StringBuilder(String.format("validation step %d:", step));
    for (Evaluator.DomainLoss loss : losses.values()) {
      byDomain.put(loss.domain(), loss.loss());
      metrics.add(new ValidationResult(step, loss.domain(), loss.loss(), loss.tokens()));
      line.append(String.format(" %s %.4f", loss.domain(), loss.loss()));
    }
    listener.log(line.toString());
    return byDomain;
  }

  private TrainingStep metricsRow(long step, StepResult result, double seconds) {
    return new TrainingStep(step, result.loss(), result.lbLoss(), result.zLoss(), result.totalLoss(),
        config.learningRateAt(step), result.gradNorm(), result.tokens(), result.tokens() / seconds, result.load().max(),
        result.load().min(), result.load().coefficientOfVariation(), seconds);
  }
}

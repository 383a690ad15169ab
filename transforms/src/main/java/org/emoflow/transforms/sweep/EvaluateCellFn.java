package org.emoflow.transforms.sweep;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.eval.GenerativeTask;
import org.emoflow.model.eval.MultipleChoice;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.model.tokenizer.Tokenizers;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.SweepResult;

/**
 * Evaluates one selected cell with its restriction on the model the worker keeps loaded: an LM task's loss
 * and bits per byte on the domain's validation documents, a multiple-choice task's accuracies (and its
 * correct answers' loss), a generative task's exact match of greedy generations (and its reference answers'
 * loss). Emits the cell's row (with {@code error} set and no metrics if anything failed)
 * and, for a restricted cell that succeeded, one {@link KeptExperts} row per layer (a composed cell's from
 * its first member's element only). A cell with fine-tune steps is evaluated on its pruned model after the
 * fine-tune ({@link CellFinetune}) instead of the restricted full model.
 */
final class EvaluateCellFn extends DoFn<SelectedCell, SweepResult> {
  static final TupleTag<SweepResult> RESULTS = new TupleTag<>("results") {};
  static final TupleTag<KeptExperts> KEPT = new TupleTag<>("kept-experts") {};

  private final SweepSettings settings;
  /** Per tokenizer spec, the JVM's shared instance this DoFn holds until teardown (generations are decoded). */
  private transient Map<String, TextTokenizer> tokenizers;

  EvaluateCellFn(SweepSettings settings) {
    this.settings = settings;
  }

  @Setup
  public void setup() {
    WorkerModels.useThreads(settings.threads());
    tokenizers = new HashMap<>();
  }

  @Teardown
  public void teardown() {
    tokenizers.values().forEach(TextTokenizer::close);
    tokenizers.clear();
  }

  /** The metric columns of one evaluated cell; the task kind's own ones are null for the others. */
  private record Metrics(double loss, double bitsPerByte, Double accuracy, Double accuracyPerByte, Double exactMatch,
      Long generatedTokens, long tokens, long bytes, long paramsKept, double seconds) {}

  @ProcessElement
  public void process(@Element SelectedCell selected, MultiOutputReceiver out) {
    Cell cell = selected.cell();
    if (selected.error() != null) {
      out.get(RESULTS).output(row(selected, null, selected.error()));
      return;
    }
    Metrics metrics;
    try {
      metrics = evaluate(selected);
    } catch (Exception e) {
      out.get(RESULTS).output(row(selected, null, Failures.describe(e)));
      return;
    }
    out.get(RESULTS).output(row(selected, metrics, null));
    boolean firstMember = selected.member() == null || selected.member().equals(cell.task().members().get(0));
    if (selected.kept() != null && firstMember) {
      for (int layer = 0; layer < selected.kept().length; layer++) {
        out.get(KEPT).output(new KeptExperts(settings.runId(), cell.id(), layer,
            Arrays.stream(selected.kept()[layer]).boxed().toList()));
      }
    }
  }

  private Metrics evaluate(SelectedCell selected) throws java.io.IOException {
    Cell cell = selected.cell();
    if (cell.finetuneSteps() > 0) {
      try (CellFinetune.Tuned tuned = CellFinetune.run(cell, selected.kept(), settings)) {
        return evaluate(tuned.model(), cell, selected.evaluated(), null, tuned.model().config().parameterCount());
      }
    }
    try (WorkerModels.Lease lease = WorkerModels.borrow(cell.checkpoint(), settings.idleModels())) {
      ModelConfig config = lease.model().config();
      int[][] kept = selected.kept();
      long paramsKept = kept == null ? config.parameterCount()
          : config.withExperts(selected.keptExperts()).parameterCount();
      return evaluate(lease.model(), cell, selected.evaluated(), kept == null ? null : new ExpertRestriction(kept),
          paramsKept);
    }
  }

  private Metrics evaluate(LanguageModel model, Cell cell, SweepTask task, ExpertRestriction restriction,
      long paramsKept) throws java.io.IOException {
    ModelConfig config = model.config();
    int[] tokenBytes = TaskData.tokenBytes(cell.checkpoint());
    if (task.isLanguageModelling()) {
      List<PackedSequence> rows = TaskData.evaluationRows(cell.checkpoint(), task, settings.evalDocuments());
      long started = System.nanoTime();
      Map<String, Evaluator.DomainLoss> losses =
          Evaluator.evaluate(model, rows, settings.batchSize(), restriction, tokenBytes);
      double seconds = (System.nanoTime() - started) / 1e9;
      Evaluator.DomainLoss loss = losses.get(task.domain());
      if (loss == null) {
        throw new IllegalStateException("no scored tokens of domain '" + task.domain() + "' to evaluate");
      }
      return new Metrics(loss.loss(), loss.bitsPerByte(), null, null, null, null, loss.tokens(), loss.bytes(),
          paramsKept, seconds);
    }
    if (task.isGenerative()) {
      return generative(model, cell, task, restriction, tokenBytes, paramsKept);
    }
    List<MultipleChoice.Tokenized> examples =
        TaskData.evaluationExamples(cell.checkpoint(), task, settings.evalExamples(), config.seqLen());
    int padId = TaskData.padId(cell.checkpoint());
    long started = System.nanoTime();
    MultipleChoice.Result result =
        MultipleChoice.score(model, examples, settings.batchSize(), restriction, tokenBytes, padId);
    double seconds = (System.nanoTime() - started) / 1e9;
    return new Metrics(result.loss(), result.bitsPerByte(), result.accuracy(), result.accuracyPerByte(), null, null,
        result.goldTokens(), result.goldBytes(), paramsKept, seconds);
  }

  private Metrics generative(LanguageModel model, Cell cell, SweepTask task, ExpertRestriction restriction,
      int[] tokenBytes, long paramsKept) throws java.io.IOException {
    List<GenerativeTask.Tokenized> examples =
        TaskData.generativeExamples(cell.checkpoint(), task, settings.evalExamples(), model.config().seqLen());
    PreparedDataset data = TaskData.dataset(cell.checkpoint());
    TextTokenizer tokenizer =
        tokenizers.computeIfAbsent(data.tokenizerSpec(), spec -> Tokenizers.shared(spec, null));
    long started = System.nanoTime();
    GenerativeTask.Result result = GenerativeTask.score(model, examples, settings.batchSize(), restriction, tokenBytes,
        data.padId(), data.eosId(), new GenerativeTask.Settings(task.maxNewTokens(), task.stop()), tokenizer);
    double seconds = (System.nanoTime() - started) / 1e9;
    return new Metrics(result.loss(), result.bitsPerByte(), null, null, result.exactMatch(), result.generatedTokens(),
        result.answerTokens(), result.answerBytes(), paramsKept, seconds);
  }

  private SweepResult row(SelectedCell selected, Metrics metrics, String error) {
    Cell cell = selected.cell();
    SweepCheckpoint checkpoint = cell.checkpoint();
    boolean ok = metrics != null;
    return SweepResult.newBuilder()
        .setRunId(settings.runId())
        .setCellId(cell.id())
        .setCheckpoint(checkpoint.name())
        .setRouter(checkpoint.router())
        .setTrainStep(checkpoint.step())
        .setTask(cell.task().name())
        .setTaskKind(selected.evaluated().kind())
        .setMember(selected.member() == null ? null : selected.member().name())
        .setComposedExperts(selected.member() == null || selected.kept() == null ? null : selected.keptExperts())
        .setFinetuneSteps(cell.finetuneSteps())
        .setMethod(cell.method())
        .setCalibrationDocs(cell.calibrationDocs())
        .setSeed(cell.seed())
        .setExpertsTotal(checkpoint.experts())
        .setKeepExperts(cell.keepExperts())
        .setKeepFraction((double) cell.keepExperts() / checkpoint.experts())
        .setLoss(ok ? metrics.loss() : null)
        .setBitsPerByte(ok ? finite(metrics.bitsPerByte()) : null)
        .setAccuracy(ok ? metrics.accuracy() : null)
        .setAccuracyPerByte(ok ? metrics.accuracyPerByte() : null)
        .setExactMatch(ok ? metrics.exactMatch() : null)
        .setGeneratedTokens(ok ? metrics.generatedTokens() : null)
        .setEvalTokens(ok ? metrics.tokens() : null)
        .setEvalBytes(ok ? metrics.bytes() : null)
        .setParamsKept(ok ? metrics.paramsKept() : null)
        .setCheckpointBytesKept(ok ? metrics.paramsKept() * Float.BYTES : null)
        .setSelectionSeconds(selected.selectionSeconds())
        .setEvalSeconds(ok ? metrics.seconds() : null)
        .setError(error)
        .setCreatedAt(java.time.Instant.now())
        .build();
  }

  /** A tokenizer without byte lengths gives no bits per byte: null, not NaN, in the table. */
  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }
}

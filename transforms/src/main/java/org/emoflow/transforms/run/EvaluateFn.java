package org.emoflow.transforms.run;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.tokenizer.TextTokenizer;
import org.emoflow.schemas.VariantValidation;

/**
 * Evaluates a trained variant's final checkpoint on the validation split, per domain: loss and bits
 * per byte. Results are kept beside the run as Parquet named by the checkpoint's checksum, so an
 * unchanged checkpoint is not evaluated twice. Failed training stages are passed over (the manifest says why).
 */
final class EvaluateFn extends DoFn<StageResult, VariantValidation> {
  static final TupleTag<VariantValidation> VALIDATION = new TupleTag<>("validation") {};
  static final TupleTag<StageResult> STAGES = new TupleTag<>("evaluation-stages") {};
  private static final int BATCH = 16;

  private final String preparedDir;
  private final int sequences;
  private final String cacheDir;
  private final int computeSlots;

  /**
   * @param sequences validation rows to evaluate on (0: the whole split)
   * @param computeSlots shared with the training stages: evaluations and training take turns
   */
  EvaluateFn(String preparedDir, int sequences, String cacheDir, int computeSlots) {
    this.preparedDir = preparedDir;
    this.sequences = sequences;
    this.cacheDir = cacheDir;
    this.computeSlots = computeSlots;
  }

  @ProcessElement
  public void process(@Element StageResult trained, MultiOutputReceiver out) throws InterruptedException {
    if (!trained.succeeded()) {
      return;
    }
    Instant started = Instant.now();
    String stage = "evaluate:" + trained.variant();
    try {
      // Named by the checkpoint's checksum: present means this very checkpoint was evaluated already.
      String checkpointSha = trained.outputs().get(0).sha256();
      Path cache = Path.of(cacheDir).resolve(trained.variant() + "-" + checkpointSha.substring(0, 16) + ".parquet");
      String status = StageResult.REUSED;
      List<VariantValidation> rows;
      if (Files.exists(cache)) {
        rows = ParquetFiles.readAll(cache);
      } else {
        rows = ComputeSlots.run(computeSlots, () -> evaluate(trained));
        ParquetFiles.write(cache, VariantValidation.getClassSchema(), rows);
        status = StageResult.DONE;
      }
      rows.forEach(out.get(VALIDATION)::output);
      out.get(STAGES).output(StageResult.of(stage, trained.variant(), trained.router(), status, started,
          status.equals(StageResult.REUSED) ? "checkpoint unchanged since the last evaluation" : null,
          List.of(OutputFile.of(cache)), trained.checkpoint()));
    } catch (IOException | RuntimeException e) {
      out.get(STAGES).output(StageResult.of(stage, trained.variant(), trained.router(), StageResult.FAILED,
          started, "evaluation failed: " + e, List.of(), trained.checkpoint()));
    }
  }

  private List<VariantValidation> evaluate(StageResult trained) throws IOException {
    PreparedDataset data = PreparedDataset.open(Path.of(preparedDir));
    List<PackedSequence> rows = data.read(PreparedDataset.VALIDATION, sequences == 0 ? Integer.MAX_VALUE : sequences);
    int[] tokenBytes;
    try (TextTokenizer tokenizer = data.openTokenizer()) {
      tokenBytes = tokenizer.tokenByteLengths();
    }
    List<VariantValidation> results = new ArrayList<>();
    try (NDManager manager = Compute.newManager();
        LanguageModel model = Checkpoints.loadModel(Path.of(trained.checkpoint()), manager)) {
      for (Evaluator.DomainLoss loss : Evaluator.evaluate(model, rows, BATCH, null, tokenBytes).values()) {
        results.add(new VariantValidation(trained.variant(), trained.router(), trained.checkpoint(), loss.domain(),
            loss.loss(), loss.bitsPerByte(), loss.tokens(), loss.bytes()));
      }
    }
    return results;
  }
}

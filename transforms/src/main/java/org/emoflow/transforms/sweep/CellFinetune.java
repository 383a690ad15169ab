package org.emoflow.transforms.sweep;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.Selection;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;

/**
 * A cell's fine-tune (spec section 7): the checkpoint pruned to the cell's kept experts, trained for the
 * cell's steps on its task's training documents (every member's, for a composition) as {@code finetune}
 * trains, in a scratch directory that is deleted once the fine-tuned model is loaded.
 */
final class CellFinetune {
  /** DJL records gradients for one training at a time per JVM: a worker's fine-tunes take turns. */
  private static final Object TRAINING = new Object();

  private CellFinetune() {}

  /** The fine-tuned pruned model and the manager it lives in, closed together. */
  record Tuned(LanguageModel model, NDManager manager) implements AutoCloseable {
    @Override
    public void close() {
      model.close();
      manager.close();
    }
  }

  static Tuned run(Cell cell, int[][] kept, SweepSettings settings) throws IOException {
    List<String> domains = cell.task().trainingDomains();
    if (domains.isEmpty()) {
      throw new IllegalStateException("task '" + cell.task().name() + "' has no training domain to fine-tune on");
    }
    Path scratch = Files.createTempDirectory("emoflow-finetune-" + cell.id());
    try {
      Path pruned = scratch.resolve("pruned");
      Selection selection = new Selection(SelectionMethod.parse(cell.method()), kept[0].length + 1,
          new ExpertRestriction(kept), null, null);
      PrunedExport.write(Path.of(cell.checkpoint().directory()), selection, pruned);
      int steps = cell.finetuneSteps();
      // As ./emoflow finetune trains, without validation, keeping only the final checkpoint.
      TrainConfig train = TrainConfig.builder(steps, cell.seed()).batchSize(settings.finetuneBatch())
          .microBatchSize(settings.finetuneBatch()).learningRate(settings.finetuneLr()).evalInterval(0)
          .evalSequences(0).checkpointInterval(steps).keepCheckpoints(1).logInterval(steps).build();
      Trainer trainer = new Trainer(Checkpoints.readConfig(pruned), train, TaskData.dataset(cell.checkpoint()),
          scratch.resolve("finetune"), line -> { }).startingFrom(pruned).onDomains(domains);
      Trainer.Summary summary;
      synchronized (TRAINING) {
        summary = trainer.run();
      }
      NDManager manager = Compute.newManager();
      try {
        return new Tuned(Checkpoints.loadModel(Path.of(summary.finalCheckpoint()), manager), manager);
      } catch (IOException | RuntimeException e) {
        manager.close();
        throw e;
      }
    } finally {
      AtomicFiles.deleteRecursively(scratch);
    }
  }
}

package org.emoflow.pipelines.finetune;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.Compute;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.select.ExpertMerge;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.PruningMetadata;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * {@code ./emoflow merge}: writes a fine-tuned pruned model's kept experts (with --scope=all its other
 * weights too) back into the full checkpoint it was pruned from, as a new full checkpoint ({@link ExpertMerge}).
 */
public final class MergeCommand implements Command<MergeCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("The full checkpoint the pruned model was pruned from (a checkpoint directory or training output).")
    @Validation.Required
    String getFull();

    void setFull(String value);

    @Description("The fine-tuned pruned model: a finetune output (its final checkpoint), one of its checkpoints,"
        + " or a pruned export.")
    @Validation.Required
    String getFinetuned();

    void setFinetuned(String value);

    @Description("Directory for the merged full checkpoint; must not exist yet.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("experts: the kept routed experts and their router rows; all: every weight the pruned model"
        + " holds (embeddings, attention, norms and the shared expert too).")
    @Default.String("experts")
    String getScope();

    void setScope(String value);
  }

  @Override
  public String name() {
    return "merge";
  }

  @Override
  public String summary() {
    return "Write a fine-tuned pruned model's experts back into its full checkpoint.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    scope(options);
    if (Files.exists(Path.of(options.getOutput()))) {
      throw InvalidOptionException.of("output", options.getOutput() + " already exists: a merge is never overwritten");
    }
  }

  private static ExpertMerge.Scope scope(Options options) {
    try {
      return ExpertMerge.Scope.parse(options.getScope());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("scope", e.getMessage());
    }
  }

  @Override
  public int run(Options options) throws IOException {
    Path full = CheckpointArgument.resolve("full", Path.of(options.getFull()));
    Path given = Path.of(options.getFinetuned());
    Path finetuned = CheckpointArgument.resolve("finetuned", given);
    PruningMetadata pruning = pruning(given, finetuned);
    Path output = Path.of(options.getOutput());
    try (NDManager manager = Compute.newManager();
        ModelCheckpoint source = ModelCheckpoint.open(full, manager);
        ModelCheckpoint tuned = ModelCheckpoint.open(finetuned, manager)) {
      if (!source.weightsSha256().equals(pruning.sourceModelSha256())) {
        throw InvalidOptionException.of("full", full + " is not the checkpoint " + finetuned + " was pruned from ("
            + pruning.sourceCheckpoint() + ": its weights' sha256 differs)");
      }
      try {
        ExpertMerge.write(source, tuned, pruning.keptRoutedExperts(), scope(options), output, manager);
      } catch (IllegalArgumentException e) {
        throw InvalidOptionException.of("finetuned", e.getMessage());
      }
    }
    System.err.printf("merge: %d experts per layer of %s from %s (scope %s); wrote %s%n",
        pruning.keptExperts() - 1, full, finetuned, options.getScope(), output);
    return ExitCodes.OK;
  }

  /**
   * Which full-model experts the fine-tuned checkpoint holds: its own pruning.json (a pruned export), else
   * the finetune.json of the fine-tune output it is, or belongs to (OUTPUT/checkpoints/step-N).
   */
  private static PruningMetadata pruning(Path given, Path checkpoint) throws IOException {
    if (Files.isRegularFile(checkpoint.resolve(PrunedExport.METADATA))) {
      return PrunedExport.readMetadata(checkpoint);
    }
    Path output = Files.isRegularFile(given.resolve(FinetuneRecord.FILE)) ? given
        : checkpoint.toAbsolutePath().normalize().getParent().getParent();
    FinetuneRecord record = output == null ? null : FinetuneRecord.read(output);
    if (record == null || record.pruning() == null) {
      throw InvalidOptionException.of("finetuned", checkpoint + " has no " + PrunedExport.METADATA + " and is not"
          + " a fine-tune of a pruned export (no " + FinetuneRecord.FILE + " naming one)");
    }
    return record.pruning();
  }
}

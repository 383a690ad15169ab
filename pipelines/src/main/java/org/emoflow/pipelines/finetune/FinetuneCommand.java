package org.emoflow.pipelines.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.InvalidDatasetException;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.select.PrunedExport;
import org.emoflow.model.select.PruningMetadata;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.Trainer;
import org.emoflow.pipelines.cli.CheckpointArgument;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.TrainingData;
import org.emoflow.pipelines.cli.TrainingOptions;

/**
 * {@code ./emoflow finetune}: a short training of a (pruned) checkpoint on its task's training documents
 * (spec section 7), with {@code train}'s trainer and options and a lower default learning rate. Re-running
 * with the same output resumes exactly; other settings or inputs are refused (exit 2) before any work.
 */
public final class FinetuneCommand implements Command<FinetuneCommand.Options> {
  static final double DEFAULT_LR = 3e-4;

  public interface Options extends TrainingOptions {
    @Description("The checkpoint to fine-tune: usually a pruned export (./emoflow prune), any emoflow checkpoint"
        + " directory, or a training output (its final checkpoint).")
    @Validation.Required
    String getCheckpoint();

    void setCheckpoint(String value);

    @Description("Domains of the prepared dataset to train on (their train split), comma-separated.")
    @Validation.Required
    String getTask();

    void setTask(String value);

    @Description("The prepared dataset (default: the one the checkpoint, or a pruned export's source, was"
        + " trained on).")
    String getData();

    void setData(String value);
  }

  @Override
  public String name() {
    return "finetune";
  }

  @Override
  public String summary() {
    return "Fine-tune a pruned checkpoint briefly on its task's training documents (resumable).";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    tasks(options);
    TrainingOptions.validate(options);
    TrainingOptions.trainConfig(options, DEFAULT_LR);
  }

  private static List<String> tasks(Options options) {
    List<String> tasks = Arrays.stream(options.getTask().split(",")).map(String::trim).toList();
    if (tasks.stream().anyMatch(String::isEmpty) || tasks.stream().distinct().count() != tasks.size()) {
      throw InvalidOptionException.of("task", "expected distinct domain names separated by commas, got '"
          + options.getTask() + "'");
    }
    return tasks;
  }

  @Override
  public int run(Options options) throws IOException {
    Path checkpoint = CheckpointArgument.resolve("checkpoint", Path.of(options.getCheckpoint()))
        .toAbsolutePath().normalize();
    if (ModelCheckpoint.layoutOf(checkpoint) != ModelCheckpoint.Layout.EMOFLOW) {
      throw InvalidOptionException.of("checkpoint", checkpoint + " is a Hugging Face directory; fine-tune an"
          + " emoflow checkpoint or pruned export");
    }
    ModelConfig config = ModelCheckpoint.readConfig(checkpoint);
    PruningMetadata pruning =
        Files.isRegularFile(checkpoint.resolve(PrunedExport.METADATA)) ? PrunedExport.readMetadata(checkpoint) : null;
    PreparedDataset data = data(options, checkpoint, pruning, config);
    List<String> tasks = tasks(options);
    for (String task : tasks) {
      if (!data.trainDomains().contains(task)) {
        throw InvalidOptionException.of("task", "domain '" + task + "' has no training documents in " + data.root()
            + " (domains with some: " + String.join(", ", data.trainDomains()) + ")");
      }
    }
    TrainConfig train = TrainingOptions.trainConfig(options, DEFAULT_LR);
    Path output = Path.of(options.getOutput());
    FinetuneRecord record = new FinetuneRecord(checkpoint.toString(), ModelCheckpoint.fingerprint(checkpoint), tasks,
        data.root().toAbsolutePath().normalize().toString(), pruning);
    FinetuneRecord earlier = FinetuneRecord.read(output);
    if (earlier != null && !earlier.sameInputs(record)) {
      throw InvalidOptionException.of("output", output + " holds a fine-tune of other inputs (" + earlier
          + "; now " + record + "): resume with the same ones or use a new --output");
    }
    Trainer trainer = new Trainer(config, train, data, output, System.err::println)
        .startingFrom(checkpoint).onDomains(tasks);
    TrainingOptions.requireResumable(trainer);
    record.write(output);
    TrainingOptions.run(trainer, options, name());
    return ExitCodes.OK;
  }

  /** --data, else the data the checkpoint or, for a pruned export, its source was trained on. */
  private static PreparedDataset data(Options options, Path checkpoint, PruningMetadata pruning, ModelConfig config)
      throws IOException {
    Path root;
    if (options.getData() != null) {
      root = Path.of(options.getData());
    } else if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.TRAINER)) && pruning != null) {
      root = TrainingData.forDataOption(Path.of(pruning.sourceCheckpoint()), "finetune");
    } else {
      root = TrainingData.forDataOption(checkpoint, "finetune");
    }
    PreparedDataset data;
    try {
      data = PreparedDataset.open(root);
    } catch (InvalidDatasetException e) {
      throw InvalidOptionException.of("data", e.getMessage());
    }
    if (data.vocabSize() > config.vocabSize() || data.seqLen() > config.seqLen()) {
      throw InvalidOptionException.of("data", root + " (vocabulary " + data.vocabSize() + ", L = " + data.seqLen()
          + ") does not fit the checkpoint's model (vocabulary " + config.vocabSize() + ", L = " + config.seqLen()
          + ")");
    }
    return data;
  }
}

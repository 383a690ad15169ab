package org.emoflow.pipelines.run;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.emoflow.model.io.Checksums;
import org.emoflow.pipelines.cli.Version;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.EntryPoint;
import org.emoflow.pipelines.cli.Inputs;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.pipelines.prepare.PrepareJob;
import org.emoflow.pipelines.prepare.PrepareOptions;
import org.emoflow.pipelines.sample.SampleCorpus;
import org.emoflow.pipelines.train.TrainJob;
import org.emoflow.pipelines.train.TrainOptions;
import org.emoflow.transforms.prepare.NothingToPackException;
import org.emoflow.transforms.prepare.Prepare;
import org.emoflow.transforms.prepare.PrepareProgress;
import org.emoflow.transforms.prepare.PrepareSettings;
import org.emoflow.transforms.run.OutputFile;
import org.emoflow.transforms.run.RunContext;
import org.emoflow.transforms.run.StageResult;
import org.emoflow.transforms.run.TrainAndEvaluate;
import org.emoflow.transforms.run.TrainingJob;
import org.emoflow.transforms.run.WriteRunManifest;

/**
 * {@code ./emoflow run --config=RUN.yaml}: raw corpus to trained, evaluated checkpoints of EMO and its
 * baselines in one Beam pipeline (prepare, training stages, evaluation, run manifest). Every stage
 * reuses valid earlier output, so a repeated run with an unchanged corpus does no work.
 */
public final class RunCommand implements Command<RunCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("The run config (YAML); see examples/quickstart.yaml.")
    @Validation.Required
    String getConfig();

    void setConfig(String value);

    @Description("Worker threads of the DirectRunner during the run. 1 by default: training runs in child "
        + "processes that need every core, and each extra DirectRunner thread busy-waits on one of them "
        + "(measured: a training stage ran 3-10x slower beside the default thread pool).")
    @Default.Integer(1)
    int getDirectThreads();

    void setDirectThreads(int value);
  }

  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "Corpus to trained, evaluated checkpoints (EMO and baselines) from one YAML config; reuses earlier work.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (options.getDirectThreads() < 1) {
      throw new InvalidOptionException("--direct-threads: expected at least 1, got " + options.getDirectThreads());
    }
  }

  @Override
  public int run(Options options) throws IOException {
    Instant started = Instant.now();
    PrintStream log = System.err;
    Path configFile = Path.of(options.getConfig());
    String configText = RunConfig.read(configFile);
    RunConfig config = RunConfig.load(configFile, configText);
    PrepareOptions prepare = RunPrepare.options(configFile, config);
    List<Variant> variants = checkVariants(configFile, config, prepare.getSeqLen());
    FileSystems.setDefaultPipelineOptions(options);
    Path root = Path.of(config.output()).toAbsolutePath();

    List<String> files = corpusFiles(config, root, log);
    List<OutputFile> inputs = new ArrayList<>();
    for (String file : files) {
      inputs.add(OutputFile.of(Path.of(file)));
    }
    RunTokenizer.Result tokenizer = RunTokenizer.resolve(config, root, files, inputs, options, log);
    Files.createDirectories(root);
    Path preparedDir = root.resolve("prepared");
    PrepareSettings settings = PrepareJob.settings(prepare, tokenizer.info().spec(), files);
    PreparedReuse reuse = PreparedReuse.check(preparedDir, inputs, settings, tokenizer.info());
    log.println("run " + config.id() + ": " + files.size() + " input files; prepare "
        + (reuse.reusable() ? "reused (" + reuse.reason() + ")" : "needed (" + reuse.reason() + ")"));

    options.as(DirectOptions.class).setTargetParallelism(options.getDirectThreads());
    Pipeline pipeline = Pipeline.create(Runners.forProduction(options));
    PCollection<String> prepared;
    PCollection<StageResult> prepareStage;
    if (reuse.reusable()) {
      prepared = pipeline.apply("PreparedEarlier", Create.of(preparedDir.toString()));
      prepareStage = pipeline.apply("PrepareReused", Create.of(StageResult.of("prepare", null, null,
              StageResult.REUSED, started, reuse.reason(), List.of(OutputFile.of(preparedDir.resolve("manifest.json"))),
              null))
          .withCoder(SerializableCoder.of(StageResult.class)));
    } else {
      PrepareJob.clearOutput(preparedDir);
      prepared = pipeline.apply("Prepare", new Prepare(files, settings, tokenizer.info(), preparedDir.toString(),
          Version.get()));
      String startedAt = started.toString();
      prepareStage = prepared.apply("PrepareDone", MapElements.into(TypeDescriptor.of(StageResult.class))
              .via(dir -> prepareDone(dir, startedAt)))
          .setCoder(SerializableCoder.of(StageResult.class));
    }
    List<TrainingJob> jobs = new ArrayList<>();
    for (Variant variant : variants) {
      jobs.add(new TrainingJob(variant.name(), variant.router(), List.copyOf(config.jvmOptions()), EntryPoint.MAIN_CLASS,
          trainArguments(variant, preparedDir, root),
          root.resolve("variants").resolve(variant.name()).toString(),
          root.resolve("logs").resolve(variant.name() + ".log").toString(), variant.steps(),
          config.maxParallelStages()));
    }
    PCollectionTuple trained = prepared.apply("TrainAndEvaluate", new TrainAndEvaluate(jobs, preparedDir.toString(),
        config.evaluationSequences(), root.resolve("evaluation").toString(), config.maxParallelStages()));
    PCollectionList<StageResult> stages = PCollectionList.of(prepareStage)
        .and(trained.get(TrainAndEvaluate.TRAINED))
        .and(trained.get(TrainAndEvaluate.EVALUATED));
    if (tokenizer.stage() != null) {
      stages = stages.and(pipeline.apply("TokenizerStage", Create.of(tokenizer.stage())
          .withCoder(SerializableCoder.of(StageResult.class))));
    }
    RunContext context = new RunContext(config.id(), root.toString(), configText, Checksums.sha256(configText),
        Version.get(), Version.source(), inputs);
    stages.apply("AllStages", Flatten.pCollections())
        .apply("WriteManifest", new WriteRunManifest(context, trained.get(TrainAndEvaluate.VALIDATION)));

    try (AutoCloseable progress = PrepareProgress.report(log, 10)) {
      pipeline.run().waitUntilFinish();
    } catch (RuntimeException e) {
      throw NothingToPackException.messageIn(e)
          .<RuntimeException>map(m -> new InvalidOptionException(configFile + ": corpus: " + m)).orElse(e);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return RunSummary.print(root, Duration.between(started, Instant.now()), log);
  }

  /** A variant with its validated training options, ready to launch. */
  record Variant(String name, String router, Map<String, Object> options, int steps) {}

  /** Every variant's options are parsed and checked as ./emoflow train would, before any work. */
  private static List<Variant> checkVariants(Path file, RunConfig config, int seqLen) {
    List<Variant> variants = new ArrayList<>();
    for (int index = 0; index < config.variants().size(); index++) {
      RunConfig.Variant variant = config.variants().get(index);
      Map<String, Object> options = RunConfig.trainingOptions(config, variant);
      List<String> args = new ArrayList<>(List.of("--data=-", "--output=-", "--router=" + variant.router()));
      options.forEach((key, value) -> args.add("--" + key + "=" + value));
      TrainOptions parsed;
      try {
        parsed = CommandLine.parse(args.toArray(String[]::new), TrainOptions.class);
        TrainJob.validate(parsed);
        // Any vocabulary will do for checking the shape: the real one comes from the prepared data.
        TrainJob.modelConfig(parsed, 4096, seqLen);
        TrainJob.trainConfig(parsed);
      } catch (InvalidOptionException e) {
        String key = e.property() == null ? null : keyPath(config, index, e.property());
        throw new InvalidOptionException(file + ": variant '" + variant.name() + "': "
            + (key == null ? e.getMessage() : key + ": " + e.problem()));
      }
      variants.add(new Variant(variant.name(), variant.router(), options, parsed.getSteps()));
    }
    return variants;
  }

  /** Where the config sets a training option: the variant's own key, else the shared one; null if neither. */
  private static String keyPath(RunConfig config, int index, String property) {
    RunConfig.Variant variant = config.variants().get(index);
    if (property.equals("router")) {
      return "variants[" + index + "].router";
    }
    String own = RunConfig.keyFor(variant.training(), property);
    if (own != null) {
      return "variants[" + index + "].training." + own;
    }
    String shared = RunConfig.keyFor(config.training(), property);
    return shared == null ? null : "training." + shared;
  }

  private static List<String> corpusFiles(RunConfig config, Path root, PrintStream log) throws IOException {
    RunConfig.Corpus corpus = config.corpus();
    if (Boolean.TRUE.equals(corpus.sample())) {
      long bytes = corpus.sampleBytesPerDomain() == null ? SampleCorpus.DEFAULT_MAX_BYTES_PER_DOMAIN
          : corpus.sampleBytesPerDomain();
      SampleCorpus.Summary sample = SampleCorpus.write(root.resolve("corpus"), SampleCorpus.DEFAULT_CACHE_DIR, bytes);
      log.printf("run: sample corpus of %d domains in %s%n", sample.domains().size(), sample.outputDir());
      return Inputs.expand("corpus.inputs", List.of(root.resolve("corpus") + "/*.jsonl.gz"));
    }
    return Inputs.expand("corpus.inputs", corpus.inputs());
  }

  /** The child's arguments to emoflow: train, with the variant's options. */
  private static List<String> trainArguments(Variant variant, Path preparedDir, Path root) {
    List<String> arguments = new ArrayList<>();
    arguments.add("train");
    arguments.add("--data=" + preparedDir);
    arguments.add("--output=" + root.resolve("variants").resolve(variant.name()));
    arguments.add("--router=" + variant.router());
    variant.options().forEach((key, value) -> arguments.add("--" + key + "=" + value));
    return arguments;
  }

  private static StageResult prepareDone(String dir, String startedAt) {
    try {
      return StageResult.of("prepare", null, null, StageResult.DONE, Instant.parse(startedAt), null,
          List.of(OutputFile.of(Path.of(dir).resolve("manifest.json"))), null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

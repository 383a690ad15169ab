package org.emoflow.transforms.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.transforms.io.AvroJson;
import org.emoflow.schemas.RunInput;
import org.emoflow.schemas.RunManifest;
import org.emoflow.schemas.StageOutput;
import org.emoflow.schemas.StageRecord;
import org.emoflow.schemas.VariantValidation;

/**
 * Writes RUN/manifest.json and RUN/manifest.parquet (one row), plus RUN/validation.parquet (one row per
 * variant and domain) for SQL, once every stage has reported. Emits the run's status.
 */
public final class WriteRunManifest extends PTransform<PCollection<StageResult>, PCollection<String>> {
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  private final RunContext context;
  private final PCollection<VariantValidation> validation;

  public WriteRunManifest(RunContext context, PCollection<VariantValidation> validation) {
    this.context = context;
    this.validation = validation;
  }

  @Override
  public PCollection<String> expand(PCollection<StageResult> stages) {
    PCollectionView<List<StageResult>> stageList = stages.apply("StagesAsList", View.asList());
    PCollectionView<List<VariantValidation>> validationList = validation.apply("ValidationAsList", View.asList());
    return stages.getPipeline()
        .apply("ManifestTrigger", Create.of(context.runId()))
        .apply("AfterAllStages", Wait.on(stages, validation))
        .apply("Write", ParDo.of(new WriteFn(context, stageList, validationList))
            .withSideInputs(stageList, validationList))
        .setCoder(StringUtf8Coder.of());
  }

  static final class WriteFn extends DoFn<String, String> {
    private final RunContext run;
    private final PCollectionView<List<StageResult>> stages;
    private final PCollectionView<List<VariantValidation>> validation;

    WriteFn(RunContext run, PCollectionView<List<StageResult>> stages, PCollectionView<List<VariantValidation>> validation) {
      this.run = run;
      this.stages = stages;
      this.validation = validation;
    }

    @ProcessElement
    public void process(ProcessContext context) throws IOException {
      List<StageResult> results = new ArrayList<>(context.sideInput(stages));
      results.sort(Comparator.comparing(WriteFn::stageOrder).thenComparing(StageResult::name));
      List<VariantValidation> rows = new ArrayList<>(context.sideInput(validation));
      rows.sort(Comparator.comparing(VariantValidation::getVariant).thenComparing(VariantValidation::getDomain));
      String status = results.stream().allMatch(StageResult::succeeded) ? SUCCEEDED : FAILED;
      RunManifest manifest = new RunManifest(run.runId(), status, run.configYaml(), run.configSha256(),
          run.emoflowVersion(), run.codeVersion(), Instant.now().toString(),
          run.inputs().stream().map(f -> new RunInput(f.path(), f.bytes(), f.sha256())).toList(),
          results.stream().map(WriteFn::record).toList(), rows);
      Path dir = Path.of(run.outputDir());
      ParquetFiles.write(dir.resolve("validation.parquet"), VariantValidation.getClassSchema(), rows);
      ParquetFiles.write(dir.resolve("manifest.parquet"), RunManifest.getClassSchema(), List.of(manifest));
      AtomicFiles.writeString(dir.resolve("manifest.json"), AvroJson.pretty(manifest));
      context.output(status);
    }

    private static int stageOrder(StageResult stage) {
      String kind = stage.name().split(":")[0];
      return List.of("tokenizer", "prepare", "train", "evaluate").indexOf(kind);
    }

    private static StageRecord record(StageResult stage) {
      return new StageRecord(stage.name(), stage.status(), stage.startedAt(), stage.finishedAt(), stage.seconds(),
          stage.reason(), stage.outputs().stream().map(f -> new StageOutput(f.path(), f.bytes(), f.sha256())).toList());
    }
  }
}

package org.emoflow.model.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.TrainingStep;
import org.emoflow.schemas.ValidationResult;

/**
 * Training and validation metrics, written as one Parquet file per checkpoint interval, named by the
 * step range it covers. Files are written before the checkpoint that ends their range, so a resumed run
 * rewrites (identically named) what it repeats and never duplicates a step.
 */
final class MetricsLog {
  private final Path trainDir;
  private final Path validationDir;
  private final List<TrainingStep> steps = new ArrayList<>();
  private final List<ValidationResult> validation = new ArrayList<>();
  private long firstStep;

  MetricsLog(Path outputDir, long resumedAfterStep) {
    this.trainDir = outputDir.resolve("metrics").resolve("train");
    this.validationDir = outputDir.resolve("metrics").resolve("validation");
    this.firstStep = resumedAfterStep + 1;
  }

  void add(TrainingStep step) {
    steps.add(step);
  }

  void add(ValidationResult result) {
    validation.add(result);
  }

  void flush(long lastStep) throws IOException {
    String name = String.format("steps-%08d-%08d.parquet", firstStep, lastStep);
    if (!steps.isEmpty()) {
      ParquetFiles.write(trainDir.resolve(name), TrainingStep.getClassSchema(), steps);
    }
    if (!validation.isEmpty()) {
      ParquetFiles.write(validationDir.resolve(name), ValidationResult.getClassSchema(), validation);
    }
    steps.clear();
    validation.clear();
    firstStep = lastStep + 1;
  }
}

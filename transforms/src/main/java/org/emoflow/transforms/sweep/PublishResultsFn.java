package org.emoflow.transforms.sweep;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.ExpertRouting;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.Specialisation;
import org.emoflow.schemas.SweepManifest;
import org.emoflow.schemas.SweepManifestTable;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.io.AvroJson;

/**
 * Once every table is written: moves each staged table onto its partition (a re-run of the same run id
 * replaces it whole: at any moment the partition holds the old files or the new ones), then writes
 * RESULTS/sweep_manifest/run_id=R/manifest.json, so a manifest means the run's tables are complete.
 */
final class PublishResultsFn extends DoFn<String, String> {
  /** Each table's schema: a table without rows still gets one (empty) file, so readers see its columns. */
  static final Map<String, Schema> TABLES = new LinkedHashMap<>();

  static {
    TABLES.put(SweepOutput.SWEEP, SweepResult.getClassSchema());
    TABLES.put(SweepOutput.KEPT_EXPERTS, KeptExperts.getClassSchema());
    TABLES.put(SweepOutput.ROUTING, ExpertRouting.getClassSchema());
    TABLES.put(SweepOutput.SPECIALISATION, Specialisation.getClassSchema());
  }

  private final SweepOutput output;
  private final PCollectionView<Long> cells;
  private final PCollectionView<Long> failedCells;
  private final PCollectionView<List<String>> analysisErrors;

  PublishResultsFn(SweepOutput output, PCollectionView<Long> cells, PCollectionView<Long> failedCells,
      PCollectionView<List<String>> analysisErrors) {
    this.output = output;
    this.cells = cells;
    this.failedCells = failedCells;
    this.analysisErrors = analysisErrors;
  }

  @ProcessElement
  public void process(ProcessContext context) throws IOException {
    String runId = context.element();
    if (!Files.isDirectory(Path.of(output.stagingDir()))) {
      // A retry of this task after it had finished: staging goes only once the manifest is written.
      context.output(runId);
      return;
    }
    Path results = Path.of(output.resultsDir());
    SweepManifest manifest = SweepManifest.newBuilder(output.manifest())
        .setCreatedAt(Instant.now().toString())
        .setCells(context.sideInput(cells))
        .setFailedCells(context.sideInput(failedCells))
        .setAnalysisErrors(context.sideInput(analysisErrors).stream().sorted().toList())
        .setTables(publishTables(output, runId))
        .build();
    AtomicFiles.writeString(SweepOutput.partition(results, SweepOutput.MANIFEST, runId).resolve("manifest.json"),
        AvroJson.pretty(manifest));
    deleteStaging();
    context.output(runId);
  }

  /**
   * Moves each staged table onto its partition; returns each table's partition and files, for the manifest. A task restarted after moving
   * some tables (Flink may re-run it alone) finds them gone from staging: a marker, written just before each
   * move, tells such a table from one that had no files, so the retry keeps it instead of publishing it empty.
   */
  static Map<String, SweepManifestTable> publishTables(SweepOutput output, String runId) throws IOException {
    Path results = Path.of(output.resultsDir());
    Map<String, SweepManifestTable> tables = new LinkedHashMap<>();
    for (Map.Entry<String, Schema> table : TABLES.entrySet()) {
      Path partition = SweepOutput.partition(results, table.getKey(), runId);
      Path moved = Path.of(output.stagingDir()).resolve(".published-" + table.getKey());
      if (!Files.exists(moved) || Files.isDirectory(Path.of(output.staged(table.getKey())))) {
        Path staged = staged(output, table.getKey(), table.getValue());
        Files.createDirectories(partition.getParent());
        Files.write(moved, new byte[0]);
        AtomicFiles.move(staged, partition);
      }
      List<String> files = ParquetFiles.list(partition).stream().map(file -> file.getFileName().toString()).toList();
      tables.put(table.getKey(), new SweepManifestTable(results.relativize(partition).toString(), files));
    }
    return tables;
  }

  /** A staged table without FileIO's leftover temporary directories, with one (empty) file at least. */
  private static Path staged(SweepOutput output, String table, Schema schema) throws IOException {
    Path staged = Path.of(output.staged(table));
    Files.createDirectories(staged);
    try (Stream<Path> entries = Files.list(staged)) {
      for (Path temporary : entries.filter(p -> p.getFileName().toString().startsWith(".temp-beam")).toList()) {
        AtomicFiles.deleteRecursively(temporary);
      }
    }
    if (ParquetFiles.list(staged).isEmpty()) {
      ParquetFiles.write(staged.resolve("part-00000-of-00001.parquet"), schema, List.<SpecificRecord>of());
    }
    return staged;
  }

  /** The staging directory, and its parent once no other run stages there. */
  private void deleteStaging() throws IOException {
    Path staging = Path.of(output.stagingDir());
    AtomicFiles.deleteRecursively(staging);
    try {
      Files.deleteIfExists(staging.getParent());
    } catch (DirectoryNotEmptyException anotherRun) {
      // Another sweep is staging beside this one; the last to finish removes the directory.
    }
  }
}

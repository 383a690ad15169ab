package org.emoflow.transforms.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.SweepManifestTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing a sweep's staged tables, and a retry of that step after it had moved them. */
class PublishResultsFnTest {
  @TempDir Path results;

  private static List<KeptExperts> rows(Path partition) throws IOException {
    List<KeptExperts> rows = new ArrayList<>();
    for (Path file : ParquetFiles.list(partition)) {
      rows.addAll(ParquetFiles.<KeptExperts>readAll(file));
    }
    return rows;
  }

  @Test
  void aRetryAfterTheTablesWereMovedKeepsThemInsteadOfPublishingThemEmpty() throws IOException {
    SweepOutput output = new SweepOutput(results.toString(), results.resolve("_staging/r.1").toString(), null);
    KeptExperts row = KeptExperts.newBuilder().setRunId("r").setCellId("c").setLayer(0).setExpertIds(List.of(1, 4))
        .build();
    ParquetFiles.write(Path.of(output.staged(SweepOutput.KEPT_EXPERTS)).resolve("part-00000-of-00001.parquet"),
        KeptExperts.getClassSchema(), List.of(row));
    Path partition = SweepOutput.partition(results, SweepOutput.KEPT_EXPERTS, "r");

    Map<String, SweepManifestTable> tables = PublishResultsFn.publishTables(output, "r");
    assertEquals(List.of(row), rows(partition));
    assertFalse(Path.of(output.staged(SweepOutput.KEPT_EXPERTS)).toFile().exists(), "moved, not copied");
    // The other tables had no rows: each is published as one empty file, so readers see its columns.
    assertEquals(List.of(), rows(SweepOutput.partition(results, SweepOutput.SWEEP, "r")));
    assertEquals(1, ParquetFiles.list(SweepOutput.partition(results, SweepOutput.SWEEP, "r")).size());

    // The task runs again (its TaskManager was lost after the moves): the published table stays.
    Map<String, SweepManifestTable> again = PublishResultsFn.publishTables(output, "r");
    assertEquals(List.of(row), rows(partition));
    assertEquals(tables, again, "the same files listed");
    assertEquals("kept_experts/run_id=r", tables.get(SweepOutput.KEPT_EXPERTS).getPath());
    assertEquals(List.of("part-00000-of-00001.parquet"), tables.get(SweepOutput.KEPT_EXPERTS).getFiles());
  }
}

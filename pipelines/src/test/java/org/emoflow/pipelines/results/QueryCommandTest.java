package org.emoflow.pipelines.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.schemas.SweepResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./emoflow query} over real Parquet result tables with hand-chosen numbers ({@link ResultFixtures}). */
class QueryCommandTest {
  @TempDir static Path work;
  static Path results;

  @BeforeAll
  static void tables() throws IOException {
    results = work.resolve("results");
    ResultFixtures.write(results);
  }

  private static Invocation query(String... args) {
    List<String> all = new ArrayList<>(List.of("query", "--results", results.toString()));
    all.addAll(List.of(args));
    return Invocation.of(all.toArray(String[]::new));
  }

  @Test
  void theTextTableIsAlignedAndRunIdComesFromThePartitions() {
    Invocation result = query("SELECT run_id, count(*) AS cells, max(loss) AS worst FROM sweep GROUP BY ALL ORDER BY run_id");
    assertEquals(ExitCodes.OK, result.status(), result.err());
    assertEquals(String.join("\n",
        "run_id  cells  worst",
        "------  -----  -----",
        "r1         32    6.4",
        "r2          2    3.3",
        "(2 rows)",
        ""), result.out());
  }

  @Test
  void theRouterComparisonIsTheMeanRelativeLossIncreaseOfLmTasks() {
    // r1 layerwise, LM tasks (prose, code): EMO K3 (0.10 + 0.20) / 2, K5 (0.05 + 0.05) / 2; standard K3 (0.50 +
    // 0.50) / 2, K5 (0.20 + 0.20) / 2; the full models at keep fraction 1 are 0. quiz (multiple choice) and
    // the dense checkpoint are left out, the failed cell too.
    Invocation result = query("--example=emo-vs-standard", "--run-id=r1", "--format=csv");
    assertEquals(ExitCodes.OK, result.status(), result.err());
    List<String> lines = result.out().lines().toList();
    assertEquals("keep_fraction,emo,standard", lines.get(0));
    double[][] expected = {{0.375, 0.15, 0.5}, {0.625, 0.05, 0.2}, {1.0, 0, 0}};
    assertEquals(expected.length + 1, lines.size(), result.out());
    for (int r = 0; r < expected.length; r++) {
      String[] fields = lines.get(r + 1).split(",");
      for (int c = 0; c < 3; c++) {
        assertEquals(expected[r][c], Double.parseDouble(fields[c]), 1e-12, lines.get(r + 1));
      }
    }
    // Every run: r2's EMO prose K3 (3.3 / 3.0 - 1 = 0.10) joins its own full model, not r1's.
    Invocation all = query("--example=emo-vs-standard", "--format=csv");
    String[] first = all.out().lines().toList().get(1).split(",");
    assertEquals((0.10 + 0.20 + 0.10) / 3, Double.parseDouble(first[1]), 1e-12, all.out());
  }

  @Test
  void theBestMethodPerTaskRouterAndKIsTheOneThatLosesLeast() throws IOException {
    Invocation result = query("--example", "best-method", "--format", "json");
    assertEquals(ExitCodes.OK, result.status(), result.err());
    Map<String, JsonNode> byCell = new HashMap<>();
    for (JsonNode row : new ObjectMapper().readTree(result.out())) {
      byCell.put(row.get("task").asText() + "/" + row.get("router").asText() + "/" + row.get("keep_experts").asInt(), row);
    }
    assertEquals(10, byCell.size(), "3 tasks x 2 routers x K in {3, 5}, quiz at K=3 only");
    // standard prose K3: random 0.40 beats layerwise 0.50; EMO prose K3: layerwise 0.10 beats random's
    // mean over two seeds ((2.5 + 2.7) / 2 / 2.0 - 1 = 0.30).
    assertEquals("random", byCell.get("prose/standard/3").get("best_method").asText());
    assertEquals(0.4, byCell.get("prose/standard/3").get("relative_loss_increase").asDouble(), 1e-12);
    assertEquals("layerwise", byCell.get("prose/emo/3").get("best_method").asText());
    assertEquals(0.1, byCell.get("prose/emo/3").get("relative_loss_increase").asDouble(), 1e-12);
    assertEquals(2, byCell.get("prose/emo/3").get("methods_compared").asInt());
    assertEquals("layerwise", byCell.get("code/standard/5").get("best_method").asText());
    assertEquals(0.2, byCell.get("code/standard/5").get("relative_loss_increase").asDouble(), 1e-12);
    assertEquals(0.5, byCell.get("quiz/emo/3").get("relative_loss_increase").asDouble(), 1e-12);
    assertEquals(1, byCell.get("quiz/emo/3").get("methods_compared").asInt());
  }

  @Test
  void everyTableIsAViewWithItsListsAndNulls() throws IOException {
    Invocation kept = query("--format=json", "SELECT run_id, layer, expert_ids FROM kept_experts ORDER BY layer");
    JsonNode rows = new ObjectMapper().readTree(kept.out());
    assertEquals("[1,4]", rows.get(0).get("expert_ids").toString());
    assertEquals("[0,6]", rows.get(1).get("expert_ids").toString());
    assertEquals("r1", rows.get(1).get("run_id").asText());

    Invocation shares = query("--format=csv", "SELECT router, layer, domain, sum(token_share) AS total, count(*) AS "
        + "experts FROM routing GROUP BY ALL ORDER BY ALL");
    List<String> lines = shares.out().lines().toList();
    assertEquals(1 + 2 * 2 * 2, lines.size(), shares.out());
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",");
      assertEquals(1.0, Double.parseDouble(fields[3]), 1e-12, line);
      assertEquals("7", fields[4]);
    }

    Invocation failed = query("--format=csv", "SELECT method, loss, error FROM sweep WHERE error IS NOT NULL");
    assertEquals(List.of("method,loss,error", "layerwise,,java.lang.OutOfMemoryError: Java heap space"),
        failed.out().lines().toList());
    // timestamp-millis round trips through parquet-avro and reads in DuckDB as the same instant.
    List<SweepResult> back = ParquetFiles.readAll(
        ResultFixtures.partition(results, "sweep", "r2").resolve("part-00000-of-00001.parquet"));
    assertEquals(Instant.parse("2025-01-02T03:04:05Z"), back.get(0).getCreatedAt());
    Invocation created = query("--format=csv", "SELECT DISTINCT epoch_ms(created_at) AS ms FROM sweep");
    assertEquals(List.of("ms", Long.toString(Instant.parse("2025-01-02T03:04:05Z").toEpochMilli())),
        created.out().lines().toList());
    Invocation purity = query("--format=csv", "SELECT router, sum(size * purity) / sum(size) AS purity "
        + "FROM specialisation WHERE kind = 'cluster' GROUP BY ALL ORDER BY router");
    assertEquals(List.of("router,purity", "emo,0.75", "standard,0.45"), purity.out().lines().toList());
  }

  /** The fixture's composition, fine-tuned cells and small dense baseline, with the numbers of its comments. */
  @Test
  void unionCostFineTuneEffectAndMemoryMatchedComparisonsHoldTheHandComputedNumbers() {
    Invocation union = query("--format=csv", "--example=union-cost");
    assertEquals(ExitCodes.OK, union.status(), union.err());
    List<String> unionRows = union.out().lines().toList();
    assertEquals(3, unionRows.size(), union.out());
    assertTrue(unionRows.get(0).startsWith("checkpoint,router,composition,member,method,keep_experts,composed_experts,"
        + "finetune_steps,cells,own_loss,composed_loss,union_effect,params_ratio"), unionRows.get(0));
    assertUnion(unionRows.get(1), "code", 4.8, 4.4);
    assertUnion(unionRows.get(2), "prose", 2.2, 2.12);

    Invocation finetune = query("--format=csv", "SELECT task, keep_experts, finetune_steps, loss_before, loss_after,"
        + " round(relative_change, 6) AS change FROM (" + ExampleQueries.finetuneEffect().sql() + ") ORDER BY task");
    assertEquals(ExitCodes.OK, finetune.status(), finetune.err());
    assertEquals(List.of("task,keep_experts,finetune_steps,loss_before,loss_after,change", "code,3,20,4.8,4.56,-0.05",
        "prose,3,20,2.2,2.09,-0.05"), finetune.out().lines().toList());

    // Dense-small (32,000) matches EMO K3 (30,000; ratio 1.07), not K5 (50,000); the 10,000 dense model none.
    Invocation matched = query("--format=csv", "SELECT task, method, keep_experts, finetune_steps, dense_checkpoint,"
        + " params_kept, dense_params, loss, dense_loss FROM (" + ExampleQueries.memoryMatched().sql()
        + ") ORDER BY finetune_steps, method");
    assertEquals(ExitCodes.OK, matched.status(), matched.err());
    assertEquals(List.of("task,method,keep_experts,finetune_steps,dense_checkpoint,params_kept,dense_params,loss,dense_loss",
        "prose,layerwise,3,0," + ResultFixtures.DENSE_SMALL + ",30000.0,32000.0,2.2,2.4",
        "prose,random,3,0," + ResultFixtures.DENSE_SMALL + ",30000.0,32000.0,2.6,2.4",
        "prose,layerwise,3,20," + ResultFixtures.DENSE_SMALL + ",30000.0,32000.0,2.09,2.4"),
        matched.out().lines().toList());
  }

  private static void assertUnion(String csv, String member, double own, double composed) {
    String[] fields = csv.split(",");
    assertEquals(List.of(ResultFixtures.EMO, "emo", "both", member, "layerwise", "3", "5", "0", "1"),
        List.of(fields).subList(0, 9));
    assertEquals(own, Double.parseDouble(fields[9]), 1e-12);
    assertEquals(composed, Double.parseDouble(fields[10]), 1e-12);
    assertEquals(composed / own - 1, Double.parseDouble(fields[11]), 1e-12);
    assertEquals(50_000.0 / 30_000, Double.parseDouble(fields[12]), 1e-12);
  }

  @Test
  void theDocumentedQueriesRunAndTheExamplesAreShownVerbatim() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "analysts.md"));
    for (ExampleQueries.Example example : ExampleQueries.all()) {
      assertTrue(doc.contains("```sql\n" + example.sql().strip() + "\n```"), example.name() + " is shown as it runs");
    }
    Matcher blocks = Pattern.compile("```sql\n(.*?)```", Pattern.DOTALL).matcher(doc);
    int count = 0;
    while (blocks.find()) {
      Invocation result = query(blocks.group(1));
      assertEquals(ExitCodes.OK, result.status(), blocks.group(1) + "\n" + result.err());
      assertFalse(result.out().contains("(0 rows)"), blocks.group(1) + " finds rows in the fixture");
      count++;
    }
    assertEquals(10, count);
  }

  @Test
  void badSqlAndBadOptionsAreOneLineErrorsThatNameTheProblem() throws IOException {
    Invocation syntax = query("SELEC loss FROM sweep");
    assertEquals(ExitCodes.BAD_OPTION, syntax.status());
    assertEquals(1, syntax.err().lines().count(), syntax.err());
    assertTrue(syntax.err().contains("syntax error") && syntax.err().contains("statement: SELEC loss FROM sweep"),
        syntax.err());

    Invocation column = query("SELECT no_such_column FROM sweep");
    assertEquals(ExitCodes.BAD_OPTION, column.status());
    assertTrue(column.err().contains("no_such_column"), column.err());
    assertEquals(1, column.err().lines().count(), column.err());

    Path onlyRouting = work.resolve("only-routing");
    Files.createDirectories(ResultFixtures.partition(onlyRouting, "routing", "r1"));
    Files.copy(results.resolve("routing/run_id=r1/part-00000-of-00001.parquet"),
        ResultFixtures.partition(onlyRouting, "routing", "r1").resolve("part-0.parquet"));
    Invocation missingTable = Invocation.of("query", "--results=" + onlyRouting, "SELECT * FROM sweep");
    assertEquals(ExitCodes.BAD_OPTION, missingTable.status());
    assertTrue(missingTable.err().contains("sweep") && missingTable.err().contains("tables: routing"),
        missingTable.err());

    Invocation noRun = query("--run-id=r9", "SELECT 1");
    assertTrue(noRun.err().contains("--run-id: no results for run 'r9'") && noRun.err().contains("runs: r1, r2"),
        noRun.err());
    Invocation notResults = Invocation.of("query", "--results=" + work.resolve("nowhere"), "SELECT 1");
    assertTrue(notResults.err().contains("--results: ") && notResults.err().contains("is not a directory"),
        notResults.err());
    Invocation empty = Invocation.of("query", "--results=" + Files.createDirectories(work.resolve("empty")), "SELECT 1");
    assertTrue(empty.err().contains("holds none of the result tables"), empty.err());
    Invocation both = query("--example=best-method", "SELECT 1");
    assertTrue(both.err().contains("not both"), both.err());
    Invocation unknownExample = query("--example=nope");
    assertTrue(unknownExample.err().contains("--example: unknown example 'nope'"), unknownExample.err());
    Invocation format = query("--format=xml", "SELECT 1");
    assertTrue(format.err().contains("--format: expected one of [text, csv, json]"), format.err());
    Invocation twoStatements = query("SELECT 1", "SELECT 2");
    assertTrue(twoStatements.err().contains("unexpected argument 'SELECT 2'"), twoStatements.err());
    for (Invocation refused : List.of(missingTable, noRun, notResults, empty, both, unknownExample, format, twoStatements)) {
      assertEquals(ExitCodes.BAD_OPTION, refused.status(), refused.err());
      assertEquals("", refused.out());
    }
  }

  @Test
  void helpNamesTheArgumentAndTheExamples() {
    Invocation help = Invocation.of("query", "--help");
    assertEquals(ExitCodes.OK, help.status());
    assertTrue(help.out().startsWith("usage: ./emoflow query [--name=value ...] [SQL]"), help.out());
    for (ExampleQueries.Example example : ExampleQueries.all()) {
      assertTrue(help.out().contains(example.name()), example.name());
    }
  }
}

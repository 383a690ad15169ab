package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.pipelines.Main;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.FlinkJobFailures;
import org.emoflow.pipelines.cli.Runners;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.SweepResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prepare and a sweep on a real Flink session cluster (infra/flink/local-cluster.sh: a JobManager and two
 * TaskManagers as separate JVMs on 127.0.0.1), one TaskManager killed with SIGKILL while the sweep evaluates
 * cells and a replacement started: the job restarts by the cluster's restart strategy and writes the same rows
 * as the DirectRunner, each cell once, and the JobManager's record names the lost TaskManager. Runs with
 * {@code mvn test -Pcluster} (about two minutes on 2 cores; .ci/run includes it).
 */
@Tag("cluster")
class FlinkClusterRecoveryTest {
  private static final String DOMAIN = "code";
  /**
   * Faster than the shipped settings, so the test spends its time on the job: metrics reach the JobManager every
   * second (the test watches them to kill mid-sweep) and a silent TaskManager is declared lost after 6 s. The
   * restart strategy is the script's.
   */
  private static final String TEST_PROPERTIES = String.join("\n",
      "metrics.fetcher.update-interval: 1000",
      "heartbeat.interval: 2000",
      "heartbeat.timeout: 6000");

  @TempDir Path work;

  @Test
  void aSweepSurvivesAKilledTaskManagerWithTheDirectRunnersRowsOnce() throws Exception {
    List<Corpora.Doc> docs = Corpora.documents(12, 43);
    Path corpus = work.resolve("corpus");
    Corpora.writeJsonl(corpus, docs);
    Path tokenizer = Corpora.bpeTokenizer(docs, 400, work.resolve("tokenizer.json"));
    Instant started = Instant.now();
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start(work.resolve("cluster"), 2, TEST_PROPERTIES)) {
      String[] onCluster = {"--runner=FlinkRunner", "--flinkMaster=" + cluster.master(), "--parallelism=2",
          "--filesToStage=" + LocalFlinkCluster.filesToStage()};
      PipelineOptions options = CommandLine.parse(onCluster, PipelineOptions.class);
      assertEquals(Optional.empty(), Runners.restartWarning(options), "the script's cluster restarts failed jobs");
      System.out.printf("cluster up in %d s%n", Duration.between(started, Instant.now()).toSeconds());

      Path prepared = work.resolve("prepared");
      assertEquals(ExitCodes.OK, run(onCluster, "prepare", "--input=" + corpus + "/*", "--output=" + prepared,
          "--tokenizer=" + tokenizer, "--seq-len=32", "--validation-fraction=0.25"), cluster.logs());
      assertTrue(PreparedDataset.open(prepared).validationDomains().contains(DOMAIN));
      for (String router : List.of("emo", "standard")) {
        assertEquals(ExitCodes.OK, run(new String[0], "train", "--data=" + prepared,
            "--output=" + work.resolve("variants/" + router), "--router=" + router, "--preset=tiny", "--steps=12",
            "--batch-size=4", "--eval-interval=0", "--checkpoint-interval=12", "--threads=1"));
      }
      Path config = sweepConfig();
      Path direct = work.resolve("results-direct");
      assertEquals(ExitCodes.OK, run(new String[0], "sweep", "--config=" + config, "--results=" + direct,
          "--run-id=r", "--threads=1"));

      Set<String> before = jobIds(cluster);
      Path flink = work.resolve("results-flink");
      Instant sweepStarted = Instant.now();
      CompletableFuture<Integer> sweep = CompletableFuture.supplyAsync(() -> run(onCluster, "sweep",
          "--config=" + config, "--results=" + flink, "--run-id=r", "--threads=1"));
      String job = killATaskManagerOnceCellsAreBeingEvaluated(cluster, before, sweep);
      Instant killed = Instant.now();
      System.out.println(cluster.script("add-taskmanager"));
      assertEquals(ExitCodes.OK, sweep.get(10, TimeUnit.MINUTES), cluster.logs());
      System.out.printf("sweep on the cluster: %d s, of which %d s after the kill%n",
          Duration.between(sweepStarted, Instant.now()).toSeconds(), Duration.between(killed, Instant.now()).toSeconds());

      JsonNode history = cluster.rest("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries");
      assertTrue(history.size() >= 1, "the job failed over at least once: " + history);
      String cause = FlinkJobFailures.recordedCause(cluster.master(), job).orElseThrow();
      System.out.println("recorded cause: " + cause);
      assertTrue(cause.startsWith("TaskManager taskmanager-1 (") && cause.contains("was lost"), cause);

      List<SweepResult> expected = rows(direct, "sweep");
      List<SweepResult> actual = rows(flink, "sweep");
      assertEquals(expected.size(), actual.size(), "one row per cell, none twice");
      Map<String, SweepResult> byCell = actual.stream()
          .collect(Collectors.toMap(SweepResult::getCellId, Function.identity()));
      assertEquals(actual.size(), byCell.size(), "no cell twice");
      for (SweepResult want : expected) {
        SweepResult got = byCell.get(want.getCellId());
        assertNotNull(got, "cell missing after the restart: " + want);
        assertEquals(null, want.getError(), want.toString());
        assertEquals(null, got.getError(), got.toString());
        assertEquals(want.getEvalTokens(), got.getEvalTokens());
        assertEquals(want.getLoss(), got.getLoss(), 1e-6 * want.getLoss(), want.getCellId());
      }
      assertEquals(sorted(rows(direct, "kept_experts")), sorted(rows(flink, "kept_experts")));
      assertFalse(Files.exists(flink.resolve("_staging")));
      try (var files = Files.list(flink.resolve("sweep/run_id=r"))) {
        assertEquals(List.of("part-00000-of-00001.parquet"),
            files.map(file -> file.getFileName().toString()).toList(), "one finished file, no leftovers");
      }
    }
    System.out.printf("whole test: %d s%n", Duration.between(started, Instant.now()).toSeconds());
  }

  /**
   * Many random-subset cells (cheap to select, each a full evaluation), so the evaluation stage lasts long
   * enough to be interrupted.
   */
  private Path sweepConfig() throws IOException {
    Path config = work.resolve("sweep.yaml");
    Files.writeString(config, String.join("\n",
        "checkpoints: [" + work.resolve("variants/emo") + ", " + work.resolve("variants/standard") + "]",
        "tasks: [{domain: " + DOMAIN + "}]",
        "methods: [random, layerwise]",
        "keep_experts: [3, 5, 7]",
        "calibration_docs: [2]",
        "seeds: [" + java.util.stream.IntStream.rangeClosed(1, 24).mapToObj(Integer::toString)
            .collect(Collectors.joining(", ")) + "]",
        "analysis: {enabled: false}",
        "") );
    return config;
  }

  /**
   * Waits until cells reach the sweep's evaluation stage, then kills the TaskManager
   * that started first (kill -9, through the script). Fails if the job ends first.
   */
  private static String killATaskManagerOnceCellsAreBeingEvaluated(LocalFlinkCluster cluster, Set<String> before,
      CompletableFuture<Integer> sweep) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (Instant.now().isBefore(deadline)) {
      assertFalse(sweep.isDone(), "the sweep ended before a TaskManager could be killed: " + cluster.logs());
      for (String job : jobIds(cluster)) {
        if (before.contains(job)) {
          continue;
        }
        JsonNode details = cluster.rest("/jobs/" + job);
        for (JsonNode vertex : details.path("vertices")) {
          JsonNode metrics = vertex.path("metrics");
          if (vertex.path("name").asText().contains("EvaluateCells") && vertex.path("status").asText().equals("RUNNING")
              && metrics.path("read-records").asLong() > 0) {
            System.out.println(cluster.script("kill-taskmanager", "1").strip() + " when the evaluation had read "
                + metrics.path("read-records") + " cells and written " + metrics.path("write-records") + " rows");
            return job;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the sweep's evaluation never started: " + cluster.logs());
  }

  private static Set<String> jobIds(LocalFlinkCluster cluster) throws Exception {
    Set<String> ids = new HashSet<>();
    for (JsonNode job : cluster.rest("/jobs").path("jobs")) {
      ids.add(job.path("id").asText());
    }
    return ids;
  }

  private static int run(String[] runner, String command, String... args) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(args));
    all.addAll(List.of(runner));
    return Main.run(all.toArray(String[]::new), System.out, System.err);
  }

  private static <T> List<T> rows(Path results, String table) throws IOException {
    List<T> rows = new ArrayList<>();
    for (Path file : ParquetFiles.list(results.resolve(table).resolve("run_id=r"))) {
      rows.addAll(ParquetFiles.<T>readAll(file));
    }
    return rows;
  }

  private static List<String> sorted(List<KeptExperts> rows) {
    return rows.stream().map(Object::toString).sorted().toList();
  }
}

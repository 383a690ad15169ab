package org.emoflow.pipelines.results;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.schemas.ExpertRouting;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.Specialisation;
import org.emoflow.schemas.SweepResult;

/**
 * Small result tables with hand-chosen numbers, written as the sweep writes them (Avro-typed Parquet under
 * TABLE/run_id=R/). Run r1: an EMO and a standard checkpoint of 8 experts, LM tasks prose and code and the
 * multiple-choice task quiz, methods full, layerwise and random (two seeds for EMO prose K=3), K = 3 and 5,
 * one failed cell and a dense checkpoint, a composition of prose and code, fine-tuned cells and a small dense
 * baseline; run r2: one more EMO checkpoint on prose. Every relative loss increase (loss / full - 1) is
 * listed in the comments, so the tests' expectations can be checked by hand.
 */
final class ResultFixtures {
  static final String EMO = "runs/a/variants/emo/checkpoints/step-00000100";
  static final String STANDARD = "runs/a/variants/standard/checkpoints/step-00000100";
  static final String DENSE = "runs/a/variants/dense/checkpoints/step-00000100";
  static final String EMO_R2 = "runs/b/variants/emo/checkpoints/step-00000200";
  static final String DENSE_SMALL = "runs/a/variants/dense-small/checkpoints/step-00000100";
  private static final Instant CREATED = Instant.parse("2025-01-02T03:04:05Z");

  private ResultFixtures() {}

  static void write(Path results) throws IOException {
    List<SweepResult> r1 = new ArrayList<>();
    // EMO, prose: full 2.0; layerwise K3 2.2 (+0.10), K5 2.1 (+0.05); random K3 seeds 2.5, 2.7 (+0.30), K5 2.3 (+0.15)
    r1.add(lm("r1", EMO, "emo", "prose", "full", 8, 0, 2.0));
    r1.add(lm("r1", EMO, "emo", "prose", "layerwise", 3, 0, 2.2));
    r1.add(lm("r1", EMO, "emo", "prose", "layerwise", 5, 0, 2.1));
    r1.add(lm("r1", EMO, "emo", "prose", "random", 3, 0, 2.5));
    r1.add(lm("r1", EMO, "emo", "prose", "random", 3, 1, 2.7));
    r1.add(lm("r1", EMO, "emo", "prose", "random", 5, 0, 2.3));
    // EMO, code: full 4.0; layerwise K3 4.8 (+0.20), K5 4.2 (+0.05); random K3 5.2 (+0.30), K5 4.4 (+0.10)
    r1.add(lm("r1", EMO, "emo", "code", "full", 8, 0, 4.0));
    r1.add(lm("r1", EMO, "emo", "code", "layerwise", 3, 0, 4.8));
    r1.add(lm("r1", EMO, "emo", "code", "layerwise", 5, 0, 4.2));
    r1.add(lm("r1", EMO, "emo", "code", "random", 3, 0, 5.2));
    r1.add(lm("r1", EMO, "emo", "code", "random", 5, 0, 4.4));
    r1.add(failed("r1", EMO, "emo", "code", "layerwise", 4, "java.lang.OutOfMemoryError: Java heap space"));
    // standard, prose: full 2.0; layerwise K3 3.0 (+0.50), K5 2.4 (+0.20); random K3 2.8 (+0.40), K5 2.6 (+0.30)
    r1.add(lm("r1", STANDARD, "standard", "prose", "full", 8, 0, 2.0));
    r1.add(lm("r1", STANDARD, "standard", "prose", "layerwise", 3, 0, 3.0));
    r1.add(lm("r1", STANDARD, "standard", "prose", "layerwise", 5, 0, 2.4));
    r1.add(lm("r1", STANDARD, "standard", "prose", "random", 3, 0, 2.8));
    r1.add(lm("r1", STANDARD, "standard", "prose", "random", 5, 0, 2.6));
    // standard, code: full 4.0; layerwise K3 6.0 (+0.50), K5 4.8 (+0.20); random K3 6.4 (+0.60), K5 5.2 (+0.30)
    r1.add(lm("r1", STANDARD, "standard", "code", "full", 8, 0, 4.0));
    r1.add(lm("r1", STANDARD, "standard", "code", "layerwise", 3, 0, 6.0));
    r1.add(lm("r1", STANDARD, "standard", "code", "layerwise", 5, 0, 4.8));
    r1.add(lm("r1", STANDARD, "standard", "code", "random", 3, 0, 6.4));
    r1.add(lm("r1", STANDARD, "standard", "code", "random", 5, 0, 5.2));
    // quiz (multiple choice): EMO full 1.0 acc 0.8, layerwise K3 1.5 (+0.50) acc 0.6;
    // standard full 1.0 acc 0.7, layerwise K3 1.2 (+0.20) acc 0.5
    r1.add(choice("r1", EMO, "emo", "full", 8, 1.0, 0.8));
    r1.add(choice("r1", EMO, "emo", "layerwise", 3, 1.5, 0.6));
    r1.add(choice("r1", STANDARD, "standard", "full", 8, 1.0, 0.7));
    r1.add(choice("r1", STANDARD, "standard", "layerwise", 3, 1.2, 0.5));
    // dense: the full model only
    r1.add(lm("r1", DENSE, "dense", "prose", "full", 1, 0, 2.5));
    // Composition "both" of prose and code, EMO layerwise K3: the union keeps K' = 5 (params 50,000 against
    // 30,000 alone); prose 2.12 against its own 2.2 (-0.0364), code 4.4 against 4.8 (-0.0833).
    r1.add(member(composed("prose", 2.12), "prose"));
    r1.add(member(composed("code", 4.4), "code"));
    // Fine-tuned 20 steps, EMO layerwise K3: prose 2.2 -> 2.09 (-0.05), code 4.8 -> 4.56 (-0.05).
    r1.add(finetuned(lm("r1", EMO, "emo", "prose", "layerwise", 3, 0, 2.09), 20));
    r1.add(finetuned(lm("r1", EMO, "emo", "code", "layerwise", 3, 0, 4.56), 20));
    // A small dense baseline of 32,000 parameters (EMO K3 keeps 30,000: ratio 1.07), prose 2.4.
    r1.add(SweepResult.newBuilder(lm("r1", DENSE_SMALL, "dense", "prose", "full", 1, 0, 2.4)).setParamsKept(32_000L)
        .build());
    // Three files in one partition, as parallel workers write them.
    ParquetFiles.write(partition(results, "sweep", "r1").resolve("part-00000-of-00003.parquet"),
        SweepResult.getClassSchema(), r1.subList(0, 12));
    ParquetFiles.write(partition(results, "sweep", "r1").resolve("part-00001-of-00003.parquet"),
        SweepResult.getClassSchema(), r1.subList(12, r1.size() - 5));
    ParquetFiles.write(partition(results, "sweep", "r1").resolve("part-00002-of-00003.parquet"),
        SweepResult.getClassSchema(), r1.subList(r1.size() - 5, r1.size()));

    // r2, EMO prose: full 3.0, layerwise K3 3.3 (+0.10)
    ParquetFiles.write(partition(results, "sweep", "r2").resolve("part-00000-of-00001.parquet"),
        SweepResult.getClassSchema(), List.of(lm("r2", EMO_R2, "emo", "prose", "full", 8, 0, 3.0),
            lm("r2", EMO_R2, "emo", "prose", "layerwise", 3, 0, 3.3)));

    ParquetFiles.write(partition(results, "kept_experts", "r1").resolve("part-00000-of-00001.parquet"),
        KeptExperts.getClassSchema(), List.of(
            new KeptExperts("r1", cellId(EMO, "prose", "layerwise", 3, 0), 0, List.of(1, 4)),
            new KeptExperts("r1", cellId(EMO, "prose", "layerwise", 3, 0), 1, List.of(0, 6))));

    ParquetFiles.write(partition(results, "routing", "r1").resolve("part-00000-of-00001.parquet"),
        ExpertRouting.getClassSchema(), routing());

    ParquetFiles.write(partition(results, "specialisation", "r1").resolve("part-00000-of-00001.parquet"),
        Specialisation.getClassSchema(), List.of(
            // EMO: purity (100 * 0.9 + 300 * 0.7) / 400 = 0.75; standard: (200 * 0.5 + 200 * 0.4) / 400 = 0.45
            cluster(EMO, "emo", 0, 100, "prose", 0.9), cluster(EMO, "emo", 1, 300, "code", 0.7),
            cluster(STANDARD, "standard", 0, 200, "prose", 0.5), cluster(STANDARD, "standard", 1, 200, "code", 0.4),
            // top-quarter share, mean over domains and layers: EMO (0.8 + 0.6) / 2 = 0.7, standard 0.3
            domain(EMO, "emo", "prose", 0, 0.8), domain(EMO, "emo", "code", 0, 0.6),
            domain(STANDARD, "standard", "prose", 0, 0.3), domain(STANDARD, "standard", "code", 0, 0.3)));
  }

  /**
   * Two layers, 7 routed experts, domains prose and code. EMO: prose takes experts 0-2 (0.5, 0.3, 0.2)
   * and code 4-6 (0.1, 0.3, 0.6) in layer 0, the reverse in layer 1; standard spreads evenly (1/7 each).
   */
  static List<ExpertRouting> routing() {
    double[] prose = {0.5, 0.3, 0.2, 0, 0, 0, 0};
    double[] code = {0, 0, 0, 0, 0.1, 0.3, 0.6};
    List<ExpertRouting> rows = new ArrayList<>();
    for (int layer = 0; layer < 2; layer++) {
      for (int e = 0; e < 7; e++) {
        double[] first = layer == 0 ? prose : code;
        double[] second = layer == 0 ? code : prose;
        rows.add(new ExpertRouting("r1", EMO, "emo", "prose", layer, e, first[e], first[e] * 0.9, 400L));
        rows.add(new ExpertRouting("r1", EMO, "emo", "code", layer, e, second[e], second[e] * 0.9, 600L));
        rows.add(new ExpertRouting("r1", STANDARD, "standard", "prose", layer, e, 1.0 / 7, 1.0 / 7, 400L));
        rows.add(new ExpertRouting("r1", STANDARD, "standard", "code", layer, e, 1.0 / 7, 1.0 / 7, 600L));
      }
    }
    return rows;
  }

  static Path partition(Path results, String table, String run) {
    return results.resolve(table).resolve("run_id=" + run);
  }

  private static SweepResult lm(String run, String checkpoint, String router, String task, String method, int keep,
      long seed, double loss) {
    return cell(run, checkpoint, router, task, "lm", method, keep, seed, loss, null, null);
  }

  private static SweepResult choice(String run, String checkpoint, String router, String method, int keep,
      double loss, double accuracy) {
    return cell(run, checkpoint, router, "quiz", "multiple_choice", method, keep, 0, loss, accuracy, null);
  }

  private static SweepResult failed(String run, String checkpoint, String router, String task, String method,
      int keep, String error) {
    return cell(run, checkpoint, router, task, "lm", method, keep, 0, null, null, error);
  }

  private static SweepResult cell(String run, String checkpoint, String router, String task, String kind,
      String method, int keep, long seed, Double loss, Double accuracy, String error) {
    int total = router.equals("dense") ? 1 : 8;
    boolean ok = error == null;
    return new SweepResult(run, cellId(checkpoint, task, method, keep, seed), checkpoint, router, 100L, task, kind,
        method, method.equals("full") ? null : 16, seed, total, keep, (double) keep / total, loss,
        ok ? loss / Math.log(2) / 4 : null, accuracy, accuracy, ok ? 1000L : null, ok ? 4000L : null,
        ok ? 10_000L * keep : null, ok ? 40_000L * keep : null, ok ? 0.5 : null, ok ? 1.5 : null, error, CREATED,
        null, null, null, null, 0);
  }

  /** The member row of EMO's composition "both", layerwise K3 (K' = 5). */
  private static SweepResult composed(String member, double loss) {
    SweepResult row = lm("r1", EMO, "emo", "both", "layerwise", 3, 0, loss);
    return SweepResult.newBuilder(row).setComposedExperts(5).setParamsKept(50_000L).setCheckpointBytesKept(200_000L)
        .build();
  }

  private static SweepResult member(SweepResult row, String member) {
    return SweepResult.newBuilder(row).setMember(member).build();
  }

  private static SweepResult finetuned(SweepResult row, int steps) {
    return SweepResult.newBuilder(row).setFinetuneSteps(steps)
        .setCellId(cellId(row.getCheckpoint(), row.getTask(), row.getMethod() + "+finetune", row.getKeepExperts(), 0))
        .build();
  }

  static String cellId(String checkpoint, String task, String method, int keep, long seed) {
    return Integer.toHexString((checkpoint + "|" + task + "|" + method + "|" + keep + "|" + seed).hashCode());
  }

  private static Specialisation cluster(String checkpoint, String router, int cluster, long size, String majority,
      double purity) {
    return new Specialisation("r1", checkpoint, router, "cluster", cluster, size, majority, purity, null, null, null);
  }

  private static Specialisation domain(String checkpoint, String router, String domain, int layer, double share) {
    return new Specialisation("r1", checkpoint, router, "domain", null, null, null, null, domain, layer, share);
  }
}

package org.emoflow.pipelines.results;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The documented analyses of a sweep, as SQL over the result views: {@code ./emoflow query --example=NAME}
 * runs one, {@code ./emoflow report} renders them as tables, and docs/analysts.md shows them. All compare a
 * pruned cell with the full model (method {@code full}) of the same run, checkpoint and task:
 * relative loss increase = loss / full_loss - 1; fine-tuned cells (finetune_steps above 0) and compositions
 * (which have no full model of their own) are left out of those, and compared by {@link #unionCost},
 * {@link #finetuneEffect} and {@link #memoryMatched}. Failed cells (error set) are left out.
 */
public final class ExampleQueries {
  /** The selection method the router comparison and the plots use unless told otherwise. */
  public static final String DEFAULT_METHOD = "layerwise";

  public record Example(String name, String title, String sql) {}

  private ExampleQueries() {}

  /** Every cell that has a full model to compare with, with its relative loss increase. */
  private static final String CELLS = """
      WITH full_model AS (
        SELECT run_id, checkpoint, task, avg(loss) AS full_loss
        FROM sweep
        WHERE method = 'full' AND error IS NULL
        GROUP BY ALL
      ),
      cells AS (
        SELECT s.*, f.full_loss, s.loss / f.full_loss - 1 AS relative_loss_increase
        FROM sweep s JOIN full_model f USING (run_id, checkpoint, task)
        WHERE s.error IS NULL AND coalesce(s.finetune_steps, 0) = 0
      )""";

  /** A dense baseline is memory-matched to a pruned cell when their parameter counts differ by at most this factor. */
  public static final double MEMORY_MATCH_FACTOR = 1.25;

  /** The two common table expressions (full_model, cells) that other analyses can build on. */
  static String cells() {
    return CELLS + "\n";
  }

  /**
   * EMO against the standard MoE: mean relative loss increase per keep fraction, one column per router
   * kind (LM tasks; mean over checkpoints, tasks, seeds and calibration sizes). The full model is the
   * point at keep fraction 1; dense models have no experts to prune and are left out.
   */
  public static Example routersByKeepFraction(String method) {
    return new Example("emo-vs-standard",
        "EMO vs standard: relative loss increase at each keep fraction (method " + method + ", LM tasks)",
        CELLS + """

            PIVOT (
              SELECT keep_fraction, router, relative_loss_increase
              FROM cells
              WHERE task_kind = 'lm' AND router <> 'dense' AND method IN ('full', '%s')
            )
            ON router USING avg(relative_loss_increase)
            GROUP BY keep_fraction
            ORDER BY keep_fraction
            """.formatted(method.replace("'", "''")));
  }

  /** Per checkpoint, task, method and K: mean over seeds and calibration sizes. */
  public static Example relativeLossIncrease() {
    return new Example("relative-loss-increase",
        "Relative loss increase vs the full model, per checkpoint, task, method and K",
        CELLS + """

            SELECT checkpoint, router, task, method, keep_experts, keep_fraction, count(*) AS cells,
                   avg(loss) AS loss, avg(full_loss) AS full_loss,
                   avg(relative_loss_increase) AS relative_loss_increase, avg(accuracy) AS accuracy
            FROM cells
            WHERE method <> 'full'
            GROUP BY ALL
            ORDER BY task, router, checkpoint, keep_experts, method
            """);
  }

  /** Per task, router kind and K, the method with the lowest mean relative loss increase (ties: by name). */
  public static Example bestMethod() {
    return new Example("best-method",
        "Best selection method per task, router kind and K (lowest mean relative loss increase)",
        CELLS + """
            ,
            by_method AS (
              SELECT task, router, keep_experts, keep_fraction, method,
                     avg(relative_loss_increase) AS relative_loss_increase
              FROM cells
              WHERE method <> 'full'
              GROUP BY ALL
            )
            SELECT task, router, keep_experts, keep_fraction, method AS best_method, relative_loss_increase,
                   count(*) OVER (PARTITION BY task, router, keep_experts) AS methods_compared
            FROM by_method
            QUALIFY row_number() OVER (
              PARTITION BY task, router, keep_experts ORDER BY relative_loss_increase, method) = 1
            ORDER BY task, router, keep_experts
            """);
  }

  /**
   * What composing costs each member: a composition's row for a member against the member's own cell of
   * the same checkpoint, method, K, calibration size, seed and fine-tune steps. union_effect = loss /
   * own_loss - 1 (below 0: the union's extra experts help the member), params_ratio = the union's
   * parameters over the member's own subset's (the memory the composition costs).
   */
  public static Example unionCost() {
    return new Example("union-cost",
        "Composition: each member's loss and parameters with the union against its own subset",
        """
            WITH own AS (
              SELECT run_id, checkpoint, task, method, keep_experts, calibration_docs, seed,
                     coalesce(finetune_steps, 0) AS finetune_steps, loss AS own_loss, params_kept AS own_params
              FROM sweep
              WHERE member IS NULL AND error IS NULL
            )
            SELECT c.checkpoint, c.router, c.task AS composition, c.member, c.method, c.keep_experts,
                   c.composed_experts, coalesce(c.finetune_steps, 0) AS finetune_steps, count(*) AS cells,
                   avg(o.own_loss) AS own_loss, avg(c.loss) AS composed_loss,
                   avg(c.loss / o.own_loss - 1) AS union_effect,
                   avg(c.params_kept / o.own_params) AS params_ratio
            FROM sweep c JOIN own o
              ON o.run_id = c.run_id AND o.checkpoint = c.checkpoint AND o.task = c.member
                AND o.method = c.method AND o.keep_experts = c.keep_experts AND o.seed = c.seed
                AND o.calibration_docs IS NOT DISTINCT FROM c.calibration_docs
                AND o.finetune_steps = coalesce(c.finetune_steps, 0)
            WHERE c.member IS NOT NULL AND c.error IS NULL
            GROUP BY ALL
            ORDER BY composition, member, checkpoint, keep_experts, method, finetune_steps
            """);
  }

  /**
   * What a short fine-tune of the pruned model does: each fine-tuned cell against the same cell (task,
   * member, method, K, calibration size, seed) without fine-tuning. relative_change = loss / loss_before - 1.
   */
  public static Example finetuneEffect() {
    return new Example("finetune-effect",
        "Fine-tuning: loss of the pruned model after N steps against before, per cell coordinates",
        """
            WITH before AS (
              SELECT run_id, checkpoint, task, coalesce(member, '') AS member, method, keep_experts,
                     calibration_docs, seed, loss AS loss_before
              FROM sweep
              WHERE coalesce(finetune_steps, 0) = 0 AND error IS NULL
            )
            SELECT t.checkpoint, t.router, t.task, t.member, t.method, t.keep_experts, t.finetune_steps,
                   count(*) AS cells, avg(b.loss_before) AS loss_before, avg(t.loss) AS loss_after,
                   avg(t.loss / b.loss_before - 1) AS relative_change
            FROM sweep t JOIN before b
              ON b.run_id = t.run_id AND b.checkpoint = t.checkpoint AND b.task = t.task
                AND b.member = coalesce(t.member, '') AND b.method = t.method AND b.keep_experts = t.keep_experts
                AND b.calibration_docs IS NOT DISTINCT FROM t.calibration_docs AND b.seed = t.seed
            WHERE t.finetune_steps > 0 AND t.error IS NULL
            GROUP BY ALL
            ORDER BY task, member, checkpoint, keep_experts, method, finetune_steps
            """);
  }

  /**
   * A pruned EMO subset against a dense model of about its size: every dense full-model cell of the same run
   * and task whose parameters are within {@link #MEMORY_MATCH_FACTOR} of the subset's. Put the dense
   * baseline trained on the same prepared data in the same sweep (./emoflow run trains both). loss_vs_dense
   * = loss / dense_loss - 1 (below 0: the subset beats the dense model of its size).
   */
  public static Example memoryMatched() {
    return new Example("memory-matched",
        "Pruned EMO subsets vs dense models of about the same parameter count (within a factor "
            + MEMORY_MATCH_FACTOR + ")",
        """
            WITH dense AS (
              SELECT run_id, task, checkpoint AS dense_checkpoint, loss AS dense_loss, params_kept AS dense_params
              FROM sweep
              WHERE router = 'dense' AND method = 'full' AND error IS NULL
            )
            SELECT p.checkpoint, p.task, p.method, p.keep_experts, coalesce(p.finetune_steps, 0) AS finetune_steps,
                   d.dense_checkpoint, count(*) AS cells, avg(p.params_kept) AS params_kept,
                   avg(d.dense_params) AS dense_params, avg(p.loss) AS loss, avg(d.dense_loss) AS dense_loss,
                   avg(p.loss / d.dense_loss - 1) AS loss_vs_dense
            FROM sweep p JOIN dense d ON d.run_id = p.run_id AND d.task = p.task
            WHERE p.router = 'emo' AND p.method <> 'full' AND p.member IS NULL AND p.error IS NULL
              AND p.params_kept BETWEEN d.dense_params / %s AND d.dense_params * %s
            GROUP BY ALL
            ORDER BY task, checkpoint, keep_experts, method, finetune_steps, dense_checkpoint
            """.formatted(MEMORY_MATCH_FACTOR, MEMORY_MATCH_FACTOR));
  }

  public static List<Example> all() {
    return List.of(routersByKeepFraction(DEFAULT_METHOD), relativeLossIncrease(), bestMethod(), unionCost(),
        finetuneEffect(), memoryMatched());
  }

  public static Example named(String name) {
    return all().stream().filter(e -> e.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown example '" + name + "', expected one of "
            + names()));
  }

  public static String names() {
    return all().stream().map(Example::name).collect(Collectors.joining(", "));
  }
}

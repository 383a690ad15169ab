package org.emoflow.pipelines.results;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The documented analyses of a sweep, as SQL over the result views: {@code ./emoflow query --example=NAME}
 * runs one, {@code ./emoflow report} renders them as tables, and docs/analysts.md shows them. All compare a
 * pruned cell with the full model (method {@code full}) of the same run, checkpoint and task:
 * relative loss increase = loss / full_loss - 1. Failed cells (error set) are left out.
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
        WHERE s.error IS NULL
      )""";

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

  public static List<Example> all() {
    return List.of(routersByKeepFraction(DEFAULT_METHOD), relativeLossIncrease(), bestMethod());
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

package org.emoflow.pipelines.results;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Builds a report's Markdown summary section by section, drawing each picture as it goes. */
final class ReportWriter {
  /** Failed cells listed in the summary; the rest are counted. */
  private static final int FAILED_LISTED = 50;

  private final Connection connection;
  private final ResultTables tables;
  private final String method;
  private final Path directory;
  private final List<String> pictures;
  private final Set<String> names = new HashSet<>();
  private final StringBuilder md = new StringBuilder();

  ReportWriter(Connection connection, ResultTables tables, String method, Path directory, List<String> pictures) {
    this.connection = connection;
    this.tables = tables;
    this.method = method;
    this.directory = directory;
    this.pictures = pictures;
  }

  String summary(String runId) throws SQLException, IOException {
    md.append("# Expert-pruning sweep report\n\n");
    md.append("Results: `").append(tables.root()).append('`');
    md.append(runId == null ? "" : ", run `" + runId + "`");
    md.append("; tables: ").append(String.join(", ", tables.present())).append("; written ")
        .append(Instant.now()).append(".\n\n");
    if (tables.has("sweep")) {
      sweep();
    } else {
      md.append("No `sweep` table: no pruning results to compare.\n\n");
    }
    if (tables.has("routing")) {
      routing();
    }
    if (tables.has("specialisation")) {
      specialisation();
    }
    return md.toString();
  }

  private void sweep() throws SQLException, IOException {
    ResultRows overview = ResultRows.query(connection, """
        SELECT count(*) AS cells, count(*) FILTER (WHERE error IS NOT NULL) AS failed,
               string_agg(DISTINCT run_id, ', ' ORDER BY run_id) AS runs,
               count(DISTINCT checkpoint) AS checkpoints, string_agg(DISTINCT task, ', ' ORDER BY task) AS tasks,
               string_agg(DISTINCT method, ', ' ORDER BY method) AS methods
        FROM sweep""");
    md.append(String.format("%s cells (%s failed) of runs %s: %s checkpoints; tasks %s; methods %s.%n%n",
        overview.get(0, "cells"), overview.get(0, "failed"), overview.get(0, "runs"),
        overview.get(0, "checkpoints"), overview.get(0, "tasks"), overview.get(0, "methods")));
    md.append("Relative loss increase = loss / loss of the full model (method `full`) of the same run, ")
        .append("checkpoint and task - 1: 0 is no loss at all, 0.1 is 10% more nats per token.\n\n");
    long comparable = ((Number) ResultRows.query(connection, ExampleQueries.cells()
        + "SELECT count(*) AS cells FROM cells WHERE method <> 'full'").get(0, "cells")).longValue();
    if (comparable == 0) {
      md.append("No pruned cell has a successful full-model cell (method `full`) of the same run, checkpoint ")
          .append("and task to compare with, so there is nothing to tabulate or plot.\n\n");
      failedCells();
      return;
    }

    ExampleQueries.Example routers = ExampleQueries.routersByKeepFraction(method);
    ResultRows byFraction = ResultRows.query(connection, routers.sql());
    section(routers, "Mean over LM tasks, checkpoints, seeds and calibration sizes; one column per router kind.");
    if (hasPrunedPoints(byFraction)) {
      picture("relative-loss", "Relative loss increase vs experts kept, mean over LM tasks",
          LinePlot.draw("Relative loss increase vs experts kept", "method " + method + ", mean over LM tasks",
              "experts kept per layer (fraction of all, shared included)", "relative loss increase (loss / full - 1)",
              series(byFraction)));
    }
    md.append(TableFormats.markdown(byFraction)).append('\n');
    perTaskPictures();

    ExampleQueries.Example best = ExampleQueries.bestMethod();
    section(best, "Methods ranked by mean relative loss increase over checkpoints, seeds and calibration sizes.");
    md.append(TableFormats.markdown(ResultRows.query(connection, best.sql()))).append('\n');

    ExampleQueries.Example relative = ExampleQueries.relativeLossIncrease();
    section(relative, "Mean over seeds and calibration sizes; accuracy is set for multiple-choice tasks only.");
    md.append(TableFormats.markdown(ResultRows.query(connection, relative.sql()))).append('\n');

    failedCells();
  }

  private void failedCells() throws SQLException {
    ResultRows failed = ResultRows.query(connection, """
        SELECT run_id, checkpoint, task, method, keep_experts, calibration_docs, seed, error
        FROM sweep WHERE error IS NOT NULL
        ORDER BY run_id, checkpoint, task, method, keep_experts, calibration_docs, seed
        LIMIT %d""".formatted(FAILED_LISTED));
    if (failed.size() > 0) {
      md.append("## Failed cells\n\n").append(TableFormats.markdown(failed)).append('\n');
      if (failed.size() == FAILED_LISTED) {
        md.append("(the first ").append(FAILED_LISTED).append(" listed; the overview above counts them all)\n\n");
      }
    }
  }

  private void section(ExampleQueries.Example example, String note) {
    md.append("## ").append(example.title()).append("\n\n").append(note)
        .append(" Same numbers: `./emoflow query --results ").append(tables.root()).append(" --example=")
        .append(example.name()).append("`.\n\n");
  }

  /** One plot per task: the same comparison, that task's cells only. */
  private void perTaskPictures() throws SQLException, IOException {
    ResultRows rows = ResultRows.query(connection, ExampleQueries.cells() + """
        SELECT task, router, keep_fraction, avg(relative_loss_increase) AS relative_loss_increase
        FROM cells
        WHERE router <> 'dense' AND method IN ('full', '%s')
        GROUP BY ALL
        ORDER BY task, router, keep_fraction
        """.formatted(method));
    Map<String, Map<String, List<double[]>>> byTask = new TreeMap<>();
    for (int r = 0; r < rows.size(); r++) {
      byTask.computeIfAbsent(rows.text(r, "task"), t -> new TreeMap<>())
          .computeIfAbsent(rows.text(r, "router"), k -> new ArrayList<>())
          .add(new double[] {rows.number(r, "keep_fraction"), rows.number(r, "relative_loss_increase")});
    }
    List<String> links = new ArrayList<>();
    for (Map.Entry<String, Map<String, List<double[]>>> task : byTask.entrySet()) {
      List<LinePlot.Series> series = new ArrayList<>();
      int other = 0;
      for (Map.Entry<String, List<double[]>> router : task.getValue().entrySet()) {
        series.add(series(router.getKey(), router.getValue(), other++));
      }
      if (series.stream().anyMatch(s -> s.x().length > 1)) {
        links.add(file("relative-loss-" + slug(task.getKey()),
            LinePlot.draw("Relative loss increase vs experts kept: " + task.getKey(), "method " + method,
                "experts kept per layer (fraction of all, shared included)",
                "relative loss increase (loss / full - 1)", series)));
      }
    }
    if (!links.isEmpty()) {
      md.append("Per task:\n\n");
      for (String link : links) {
        md.append("![").append(link).append("](").append(link).append(")\n");
      }
      md.append('\n');
    }
  }

  private void routing() throws SQLException, IOException {
    md.append("## Routing: token share per domain and expert\n\n")
        .append("Each panel is one layer: a row is a domain, a column a routed expert, the colour the share of ")
        .append("the domain's top-k assignments that expert took (mean over runs), on one colour scale for all ")
        .append("checkpoints. A specialised router shows a few dark cells per row; an unspecialised one an even ")
        .append("pale wash.\n\n");
    ResultRows rows = ResultRows.query(connection, """
        SELECT checkpoint, router, domain, layer, expert, avg(token_share) AS token_share
        FROM routing
        GROUP BY ALL
        ORDER BY checkpoint, layer, domain, expert""");
    double scaleTop = 0;
    for (int r = 0; r < rows.size(); r++) {
      scaleTop = Math.max(scaleTop, rows.number(r, "token_share"));
    }
    Map<String, List<Integer>> byCheckpoint = new LinkedHashMap<>();
    for (int r = 0; r < rows.size(); r++) {
      byCheckpoint.computeIfAbsent(rows.text(r, "checkpoint"), c -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Integer>> checkpoint : byCheckpoint.entrySet()) {
      List<Integer> indices = checkpoint.getValue();
      List<String> domains = indices.stream().map(r -> rows.text(r, "domain")).distinct().sorted().toList();
      int experts = indices.stream().mapToInt(r -> ((Number) rows.get(r, "expert")).intValue()).max().orElse(0) + 1;
      Map<Integer, double[][]> layers = new TreeMap<>();
      for (int r : indices) {
        double[][] share = layers.computeIfAbsent(((Number) rows.get(r, "layer")).intValue(),
            l -> new double[domains.size()][experts]);
        share[domains.indexOf(rows.text(r, "domain"))][((Number) rows.get(r, "expert")).intValue()] =
            rows.number(r, "token_share");
      }
      String router = rows.text(indices.get(0), "router");
      List<Heatmap.Layer> panels = layers.entrySet().stream()
          .map(l -> new Heatmap.Layer(l.getKey(), l.getValue())).toList();
      picture("routing-" + slug(checkpointName(checkpoint.getKey())), "Routing of " + checkpoint.getKey(),
          Heatmap.draw("Routing of " + checkpointName(checkpoint.getKey()) + " (" + router + ")",
              "cells: % of each domain's top-k assignments that went to each routed expert", domains, experts, panels,
              scaleTop));
    }
  }

  private void specialisation() throws SQLException {
    md.append("## Specialisation\n\n")
        .append("cluster_purity: token-weighted mean share of a k-means cluster's tokens from its majority ")
        .append("domain; top_quarter_share: mean share of a domain's assignments taken by its most used 25% ")
        .append("of routed experts (about 0.25 when routing is even).\n\n");
    md.append(TableFormats.markdown(ResultRows.query(connection, """
        SELECT checkpoint, router,
               count(*) FILTER (WHERE kind = 'cluster') AS clusters,
               sum(size * purity) FILTER (WHERE kind = 'cluster')
                 / sum(size) FILTER (WHERE kind = 'cluster') AS cluster_purity,
               avg(top_quarter_share) FILTER (WHERE kind = 'domain') AS top_quarter_share
        FROM specialisation
        GROUP BY ALL
        ORDER BY router, checkpoint"""))).append('\n');
  }

  private void picture(String name, String alt, java.awt.image.BufferedImage image) throws IOException {
    String file = file(name, image);
    md.append("![").append(alt).append("](").append(file).append(")\n\n");
  }

  /** Writes the PNG under a name not used yet in this report; returns the file name. */
  private String file(String name, java.awt.image.BufferedImage image) throws IOException {
    String unique = name;
    for (int i = 2; !names.add(unique); i++) {
      unique = name + "-" + i;
    }
    String file = unique + ".png";
    Charts.write(image, directory.resolve(file));
    pictures.add(file);
    return file;
  }

  /** The pivot's router columns, each a line through its non-null points. */
  private static List<LinePlot.Series> series(ResultRows pivot) {
    List<LinePlot.Series> series = new ArrayList<>();
    int other = 0;
    for (String router : pivot.columns()) {
      if (router.equals("keep_fraction")) {
        continue;
      }
      List<double[]> points = new ArrayList<>();
      for (int r = 0; r < pivot.size(); r++) {
        Double value = pivot.number(r, router);
        if (value != null) {
          points.add(new double[] {pivot.number(r, "keep_fraction"), value});
        }
      }
      series.add(series(router, points, other++));
    }
    return series;
  }

  private static LinePlot.Series series(String router, List<double[]> points, int other) {
    Color colour = Charts.routerColour(router, other);
    return new LinePlot.Series(router, colour, points.stream().mapToDouble(p -> p[0]).toArray(),
        points.stream().mapToDouble(p -> p[1]).toArray());
  }

  private static boolean hasPrunedPoints(ResultRows pivot) {
    for (int r = 0; r < pivot.size(); r++) {
      if (pivot.number(r, "keep_fraction") < 1) {
        return true;
      }
    }
    return false;
  }

  /** A checkpoint path's last three names (variant/checkpoints/step-N): enough to tell them apart in a title. */
  static String checkpointName(String checkpoint) {
    Path path = Path.of(checkpoint).normalize();
    int count = path.getNameCount();
    return count <= 3 ? path.toString() : path.subpath(count - 3, count).toString();
  }

  static String slug(String text) {
    String slug = text.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
    return slug.isEmpty() ? "unnamed" : slug.length() <= 80 ? slug : slug.substring(slug.length() - 80);
  }
}

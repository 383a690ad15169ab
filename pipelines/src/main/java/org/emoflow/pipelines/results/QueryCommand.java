package org.emoflow.pipelines.results;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * {@code ./emoflow query --results RESULTS "SQL"}: SQL over the sweep's result tables with DuckDB, the
 * tables registered as views ({@code sweep}, {@code kept_experts}, {@code routing}, {@code
 * specialisation}), the result printed to stdout.
 */
public final class QueryCommand implements Command<QueryCommand.Options> {

  public interface Options extends ResultTablesOptions {
    @Description("The SQL (DuckDB dialect); may also be given as the one argument without a --name. Views: "
        + "sweep, kept_experts, routing, specialisation (those with files), each with a run_id column.")
    String getSql();

    void setSql(String value);

    @Description("Run a documented example instead of --sql: emo-vs-standard (relative loss increase per keep "
        + "fraction and router kind, layerwise), relative-loss-increase (per checkpoint, task, method and K), "
        + "best-method (per task, router kind and K), union-cost (a composition's members against their own "
        + "subsets), finetune-effect (fine-tuned cells against the same cells before), memory-matched (pruned "
        + "EMO subsets against dense models of about their size). docs/analysts.md shows their SQL.")
    String getExample();

    void setExample(String value);

    @Description("Output: text (an aligned table), csv or json (an array of objects).")
    @Default.String("text")
    String getFormat();

    void setFormat(String value);

  }

  @Override
  public String name() {
    return "query";
  }

  @Override
  public String summary() {
    return "Run SQL (DuckDB) over sweep results: views sweep, kept_experts, routing, specialisation.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public String positionalOption() {
    return "sql";
  }

  @Override
  public void validate(Options options) {
    if ((options.getSql() == null) == (options.getExample() == null)) {
      throw new InvalidOptionException("give the SQL (as an argument or --sql) or --example, not "
          + (options.getSql() == null ? "neither" : "both"));
    }
    if (options.getSql() != null && options.getSql().isBlank()) {
      throw InvalidOptionException.of("sql", "is empty");
    }
    if (options.getExample() != null) {
      try {
        ExampleQueries.named(options.getExample());
      } catch (IllegalArgumentException e) {
        throw InvalidOptionException.of("example", e.getMessage());
      }
    }
    if (!TableFormats.NAMES.contains(options.getFormat())) {
      throw InvalidOptionException.of("format", "expected one of " + TableFormats.NAMES + ", got '"
          + options.getFormat() + "'");
    }
  }

  @Override
  public int run(Options options) throws IOException, SQLException {
    ResultTables tables = ResultTables.find(Path.of(options.getResults()), options.getRunId());
    String sql = options.getSql() != null ? options.getSql() : ExampleQueries.named(options.getExample()).sql();
    ResultRows result = null;
    try (Connection connection = tables.connect(); Statement statement = connection.createStatement()) {
      // A statement with no result (COPY ... TO, SET, CREATE VIEW) runs too.
      if (statement.execute(sql)) {
        try (ResultSet rows = statement.getResultSet()) {
          result = ResultRows.read(rows);
        }
      }
    } catch (SQLException e) {
      throw new InvalidOptionException("the SQL fails: " + firstLine(e.getMessage()) + " (tables: "
          + String.join(", ", tables.present()) + "; statement: " + shortened(sql) + ")");
    }
    if (result == null) {
      System.err.println("query: done (the statement returns no rows)");
      return ExitCodes.OK;
    }
    TableFormats.print(options.getFormat(), result, System.out);
    System.out.flush();
    return ExitCodes.OK;
  }

  private static String firstLine(String message) {
    return message == null ? "unknown error" : message.strip().split("\\R", 2)[0];
  }

  /** The statement on one line, cut to a readable length. */
  private static String shortened(String sql) {
    String oneLine = sql.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= 160 ? oneLine : oneLine.substring(0, 157) + "...";
  }
}

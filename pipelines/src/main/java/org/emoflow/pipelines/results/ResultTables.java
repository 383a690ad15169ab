package org.emoflow.pipelines.results;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.emoflow.model.io.ParquetFiles;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * The sweep's result tables under a RESULTS directory, each {@code RESULTS/<table>/run_id=R/*.parquet}
 * (Hive-style partitions, so run_id is a column wherever they are read), opened as DuckDB views named
 * after the tables. A table without files gets no view; the partition directory, not the file, names
 * the run.
 */
public final class ResultTables {
  public static final List<String> NAMES = List.of("sweep", "kept_experts", "routing", "specialisation");
  private static final String PARTITION = "run_id=";
  /** A run id is a directory name and goes into a glob: no separators, wildcards or quotes. */
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._:+-]+");

  private final Path root;
  private final String runId;
  private final List<String> present;

  private ResultTables(Path root, String runId, List<String> present) {
    this.root = root;
    this.runId = runId;
    this.present = present;
  }

  /**
   * Finds the tables, refusing a directory that holds none of them or a run id that has no files.
   *
   * @param runId only this run's partitions, or null for all runs
   */
  public static ResultTables find(Path results, String runId) throws IOException {
    if (!Files.isDirectory(results)) {
      throw InvalidOptionException.of("results", results + " is not a directory");
    }
    if (runId != null && !RUN_ID.matcher(runId).matches()) {
      throw InvalidOptionException.of("runId", "'" + runId + "' is not a run id (letters, digits and ._:+- only)");
    }
    List<String> present = new ArrayList<>();
    TreeSet<String> runs = new TreeSet<>();
    for (String table : NAMES) {
      boolean any = false;
      for (Path partition : partitions(results.resolve(table))) {
        String run = partition.getFileName().toString().substring(PARTITION.length());
        if (!ParquetFiles.list(partition).isEmpty()) {
          runs.add(run);
          any |= runId == null || runId.equals(run);
        }
      }
      if (any) {
        present.add(table);
      }
    }
    if (runs.isEmpty()) {
      throw InvalidOptionException.of("results", results + " holds none of the result tables "
          + NAMES + " (expected " + results.resolve("sweep") + "/" + PARTITION + "R/*.parquet)");
    }
    if (present.isEmpty()) {
      throw InvalidOptionException.of("runId", "no results for run '" + runId + "' in " + results + " (runs: "
          + String.join(", ", runs) + ")");
    }
    return new ResultTables(results.toAbsolutePath().normalize(), runId, List.copyOf(present));
  }

  private static List<Path> partitions(Path table) throws IOException {
    if (!Files.isDirectory(table)) {
      return List.of();
    }
    List<Path> partitions = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(table, PARTITION + "*")) {
      entries.forEach(p -> {
        if (Files.isDirectory(p)) {
          partitions.add(p);
        }
      });
    }
    partitions.sort(null);
    return partitions;
  }

  public Path root() {
    return root;
  }

  /** The tables that have files, in {@link #NAMES} order. */
  public List<String> present() {
    return present;
  }

  public boolean has(String table) {
    return present.contains(table);
  }

  /** An in-memory DuckDB with one view per present table; closing it closes everything. */
  public Connection connect() throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = connection.createStatement()) {
      for (String table : present) {
        statement.execute("CREATE VIEW " + table + " AS " + scan(table));
      }
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  /**
   * run_id is read as text even when every run id looks like a number; union_by_name lets runs written
   * before and after a column was added be read together.
   */
  private String scan(String table) {
    String glob = root.resolve(table) + "/" + PARTITION + (runId == null ? "*" : runId) + "/*.parquet";
    return "SELECT * FROM read_parquet('" + glob.replace("'", "''")
        + "', hive_partitioning = true, hive_types = {'run_id': VARCHAR}, union_by_name = true)";
  }
}

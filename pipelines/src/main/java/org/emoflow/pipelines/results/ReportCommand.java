package org.emoflow.pipelines.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/**
 * {@code ./emoflow report --results RESULTS --output DIR}: the sweep's story in PNG plots (relative loss
 * increase against keep fraction, one line per router kind; domain x expert routing heatmaps) and a
 * Markdown summary whose tables are the {@link ExampleQueries}. DIR is built beside itself and renamed
 * into place, so it always holds one whole report.
 */
public final class ReportCommand implements Command<ReportCommand.Options> {
  static final String SUMMARY = "report.md";

  public interface Options extends ResultTablesOptions {
    @Description("Directory for report.md and the PNGs; replaced if it holds an earlier report.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);


    @Description("The selection method whose cells the router comparison and its plots show.")
    @Default.String(ExampleQueries.DEFAULT_METHOD)
    String getMethod();

    void setMethod(String value);
  }

  @Override
  public String name() {
    return "report";
  }

  @Override
  public String summary() {
    return "PNG plots and a Markdown summary of sweep results (loss vs keep fraction, routing heatmaps).";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    try {
      SelectionMethod.parse(options.getMethod());
    } catch (IllegalArgumentException e) {
      throw InvalidOptionException.of("method", e.getMessage());
    }
  }

  @Override
  public int run(Options options) throws IOException, SQLException {
    ResultTables tables = ResultTables.find(Path.of(options.getResults()), options.getRunId());
    Path output = Path.of(options.getOutput());
    if (Files.exists(output) && !isEarlierReport(output)) {
      throw InvalidOptionException.of("output", output + " exists and is not an earlier report (no " + SUMMARY
          + " in it, or other files beside it): refusing to replace it");
    }
    String method = SelectionMethod.parse(options.getMethod()).id();
    List<String> pictures = new ArrayList<>();
    try (Connection connection = tables.connect()) {
      AtomicFiles.write(output, directory -> {
        Files.createDirectories(directory);
        try {
          String summary = new ReportWriter(connection, tables, method, directory, pictures).summary(options.getRunId());
          Files.writeString(directory.resolve(SUMMARY), summary, StandardCharsets.UTF_8);
        } catch (SQLException e) {
          throw new IOException("a report query failed: " + e.getMessage(), e);
        }
      });
    }
    System.err.printf("report: wrote %s (%s and %d pictures)%n", output, SUMMARY, pictures.size());
    return ExitCodes.OK;
  }

  /** A directory this command wrote: report.md, PNGs and nothing else. */
  private static boolean isEarlierReport(Path output) throws IOException {
    if (!Files.isDirectory(output) || !Files.isRegularFile(output.resolve(SUMMARY))) {
      return false;
    }
    try (Stream<Path> files = Files.list(output)) {
      return files.allMatch(f -> Files.isRegularFile(f)
          && (f.getFileName().toString().equals(SUMMARY) || f.getFileName().toString().endsWith(".png")));
    }
  }
}

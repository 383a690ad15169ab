package org.emoflow.pipelines.results;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Where the sweep result tables are, for every command that reads them. */
public interface ResultTablesOptions extends PipelineOptions {
  @Description("The results directory: sweep/, kept_experts/, routing/ and specialisation/, each "
      + "partitioned as run_id=R/*.parquet.")
  @Validation.Required
  String getResults();

  void setResults(String value);

  @Description("Only this run's partitions (default: every run).")
  String getRunId();

  void setRunId(String value);
}

package org.emoflow.pipelines.sweep;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** {@code ./emoflow sweep}'s options: the config, and what may override it on the command line. */
public interface SweepOptions extends PipelineOptions {
  @Description("The sweep config (YAML); see examples/sweep.yaml.")
  @Validation.Required
  String getConfig();

  void setConfig(String value);

  @Description("Results directory (RESULTS); overrides the config's 'output'.")
  String getResults();

  void setResults(String value);

  @Description("Run id (the run_id=R partition); overrides the config's 'run_id'. Default: the config file's "
      + "name and a short hash of its text. A run id that exists is replaced.")
  String getRunId();

  void setRunId(String value);

  @Description("libtorch threads per worker JVM (0: this machine's cores divided by the runner's parallelism).")
  @Default.Integer(0)
  int getThreads();

  void setThreads(int value);
}

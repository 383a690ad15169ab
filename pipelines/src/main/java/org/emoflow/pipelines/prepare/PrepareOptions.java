package org.emoflow.pipelines.prepare;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.pipelines.cli.DocumentInputOptions;

/** Options of {@code ./emoflow prepare}, also the keys and defaults of a run config's {@code prepare:}. */
public interface PrepareOptions extends DocumentInputOptions {
  @Description("Output directory.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("A tiktoken encoding (cl100k_base, r50k_base, p50k_base, o200k_base) or a path to a HuggingFace tokenizer.json.")
  @Default.String("cl100k_base")
  String getTokenizer();

  void setTokenizer(String value);

  @Description("The EOS token of a tokenizer.json that has none of the usual ones.")
  String getEosToken();

  void setEosToken(String value);

  @Description("Tokens per training sequence (L).")
  @Default.Integer(1024)
  int getSeqLen();

  void setSeqLen(int value);

  @Description("concat: concatenate and cut every L tokens; bestfit: best-fit-decreasing, no document of <= L tokens split.")
  @Default.String("concat")
  String getPacking();

  void setPacking(String value);

  @Description("Share of documents held out for validation, chosen by a hash of the document id.")
  @Default.Double(0.05)
  double getValidationFraction();

  void setValidationFraction(double value);

  @Description("Documents are packed in hash buckets of about this many tokens (memory per worker, determinism).")
  @Default.Long(4_000_000L)
  long getPackBucketTokens();

  void setPackBucketTokens(long value);

  @Description("Training rows per output Parquet file.")
  @Default.Integer(50_000)
  int getRowsPerFile();

  void setRowsPerFile(int value);

  @Description("Replace an existing prepared dataset in --output.")
  @Default.Boolean(false)
  boolean getOverwrite();

  void setOverwrite(boolean value);
}
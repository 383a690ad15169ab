package org.emoflow.pipelines.cli;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** The options of every command that reads raw documents, so they read the same inputs the same way. */
public interface DocumentInputOptions extends PipelineOptions {
  @Description("Input files or globs: Dolma-style JSONL (plain, .gz or .zst) or Parquet. Repeat or separate with commas.")
  @Validation.Required
  List<String> getInput();

  void setInput(List<String> value);

  @Description("Field holding the text (JSONL key or Parquet column).")
  @Default.String("text")
  String getTextField();

  void setTextField(String value);

  @Description("Field holding the document id; records without one are named FILE:LINE.")
  @Default.String("id")
  String getIdField();

  void setIdField(String value);

  @Description("Field holding the domain label (a dotted path reaches into nested objects); missing labels become 'unknown'.")
  @Default.String("source")
  String getDomainField();

  void setDomainField(String value);

  @Description("Records larger than this many bytes (a JSONL line, or a Parquet text) are rejected as too_large.")
  @Default.Long(8L << 20)
  long getMaxDocumentBytes();

  void setMaxDocumentBytes(long value);
}

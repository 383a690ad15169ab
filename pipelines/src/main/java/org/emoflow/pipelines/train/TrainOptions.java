package org.emoflow.pipelines.train;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.pipelines.cli.TrainingOptions;

/** {@code ./emoflow train}'s options: the data and the model's shape, beside the shared training ones. */
public interface TrainOptions extends TrainingOptions {
  @Description("A directory written by ./emoflow prepare.")
  @Validation.Required
  String getData();

  void setData(String value);

  @Description("Model shape: tiny (tests), small (CPU experiments), paper (1B active / 14B total).")
  @Default.String("small")
  String getPreset();

  void setPreset(String value);

  @Description("emo (document-pool routing), standard (token top-k) or dense (one FFN of the active size).")
  @Default.String("emo")
  String getRouter();

  void setRouter(String value);

  @Description("Experts per MoE layer, the shared one included (default: the preset's).")
  Integer getExperts();

  void setExperts(Integer value);

  @Description("Routed experts per token (default: the preset's).")
  Integer getTopK();

  void setTopK(Integer value);

  @Description("EMO: smallest pool size drawn while training (default: the preset's, top-k + 1).")
  Integer getPoolMin();

  void setPoolMin(Integer value);

  @Description("EMO: largest pool size drawn while training, at most the routed experts"
      + " (default: the preset's, all routed experts).")
  Integer getPoolMax();

  void setPoolMax(Integer value);

  @Description("EMO: pool size at evaluation, 0 for no pool, else top-k to the routed experts"
      + " (default: the preset's, at most the routed experts).")
  Integer getEvalPool();

  void setEvalPool(Integer value);

  @Description("Load-balancing loss weight, divided by the number of layers (default: the preset's).")
  Double getLbWeight();

  void setLbWeight(Double value);

  @Description("Router z-loss weight, divided by the number of layers (default: the preset's).")
  Double getZLossWeight();

  void setZLossWeight(Double value);

  @Description("Attend only within a document (same for every router kind); false attends across documents.")
  @Default.Boolean(true)
  boolean getIntraDocumentMask();

  void setIntraDocumentMask(boolean value);
}

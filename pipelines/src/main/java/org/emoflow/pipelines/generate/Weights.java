package org.emoflow.pipelines.generate;

import org.emoflow.model.ModelConfig;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;

/** Bytes of float32 weights: what a loaded model holds, and what one holding only the kept experts would. */
public final class Weights {
  private Weights() {}

  public static long residentBytes(LanguageModel model) {
    return model.parameters().count() * Float.BYTES;
  }

  /** A pruned export of the restriction: each dropped routed expert and its router row are gone. */
  public static long keptBytes(ModelConfig config, ExpertRestriction restriction) {
    long perExpert = 3L * config.dModel() * config.expertHidden() + config.dModel();
    long dropped = 0;
    for (int layer = 0; layer < config.layers(); layer++) {
      dropped += restriction.restricts(layer) ? config.routedExperts() - restriction.kept(layer).length : 0;
    }
    return (config.parameterCount() - dropped * perExpert) * Float.BYTES;
  }
}

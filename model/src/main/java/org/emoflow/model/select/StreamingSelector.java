package org.emoflow.model.select;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.List;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;

/**
 * {@link ExpertSelector}'s choice made from a checkpoint without loading the model: the calibration rows go
 * through the layers in turn ({@link LayerPasses}), so memory holds one layer's weights and the rows' hidden
 * states, never every expert. Each layer's routing is recorded as it passes. {@code global}, {@code
 * frequency} and {@code output} need one pass through the unrestricted layers; {@code layerwise} measures
 * each layer on inputs from the already restricted layers before it, chooses, and runs the layer again under
 * its own restriction to make the next layer's inputs: two passes per layer instead of one whole-model pass
 * per layer. The same batches and operations as the whole-model selector, so the same experts.
 */
public final class StreamingSelector {
  private StreamingSelector() {}

  /**
   * @param batchSize calibration rows per forward pass, as for {@link ExpertSelector}
   * @param randomSeed used by {@link SelectionMethod#RANDOM} only, which reads no weights
   */
  public static Selection select(ModelCheckpoint checkpoint, List<PackedSequence> calibration, int batchSize,
      SelectionMethod method, int keptExperts, long randomSeed, NDManager manager) throws IOException {
    ModelConfig config = checkpoint.config();
    if (method == SelectionMethod.RANDOM) {
      return ExpertSelector.random(config, keptExperts, randomSeed);
    }
    CalibrationFingerprint fingerprint = ExpertSelector.checkedCalibration(config, calibration, batchSize);
    int keptRouted = ExpertSelector.keptRouted(config, keptExperts);
    RoutingStatistics.Sums sums = new RoutingStatistics.Sums(config.layers(), config.routedExperts());
    ExpertRestriction restriction = ExpertRestriction.none(config.layers());
    try (LayerPasses passes = new LayerPasses(checkpoint, calibration, batchSize, manager)) {
      passes.batches().forEach(sums::countTokens);
      for (int layer = 0; layer < config.layers(); layer++) {
        int current = layer;
        LayerPasses.LayerConsumer record = (batch, context) -> sums.addLayer(current, batch, context);
        try (LayerPasses.Layer weights = passes.nextLayer()) {
          if (method != SelectionMethod.LAYERWISE) {
            weights.advance(restriction, record);
          } else {
            weights.measure(restriction, record);
            restriction = restriction.with(layer, ExpertSelector.top(method, sums.statistics(), layer, keptRouted));
            if (layer < config.layers() - 1) {
              weights.advance(restriction, null);
            }
          }
        }
      }
    }
    if (method != SelectionMethod.LAYERWISE) {
      RoutingStatistics statistics = sums.statistics();
      restriction = ExpertSelector.eachLayer(config.layers(),
          layer -> ExpertSelector.top(method, statistics, layer, keptRouted));
    }
    return new Selection(method, keptExperts, restriction, fingerprint, null);
  }
}

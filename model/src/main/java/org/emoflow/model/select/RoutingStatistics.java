package org.emoflow.model.select;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.LayerRouting;

/**
 * Per layer and routed expert, what calibration rows say about it. Counted over scored tokens, as the spec
 * says: a segment's last token predicts nothing, so its own routing never reaches a scored loss.
 *
 * @param scoredTokens how many tokens were counted
 * <p>An EMO model routes here as it is evaluated, inside its evaluation pool if it has one. The
 * probabilities that {@code layerwise} and {@code global} rank by are nevertheless the routed softmax p
 * over all (kept) routed experts, before the pool mask (spec 6): masked, every expert outside a
 * calibration document's pool would score 0 and ties would be broken by expert id. Top-k counts and gated
 * output norms describe the routing the model really does, pool included: {@code frequency} and
 * {@code output} keep the experts that the task's tokens actually use.
 *
 * @param probabilitySums [layer][expert] sum of the routed softmax p before any pool mask (over the kept
 *     experts in restricted layers)
 * @param topKAssignments [layer][expert] how many tokens had the expert among their top-k (inside the pool)
 * @param gatedOutputNorms [layer][expert] sum over the tokens that chose it of gate x L2 norm of its output
 */
public record RoutingStatistics(
    long scoredTokens, double[][] probabilitySums, long[][] topKAssignments, double[][] gatedOutputNorms) {

  /** One pass over the rows with the given (possibly partial, possibly null) restriction. */
  public static RoutingStatistics measure(
      LanguageModel model, List<PackedSequence> rows, int batchSize, ExpertRestriction restriction) {
    Sums sums = new Sums(model.config().layers(), model.config().routedExperts());
    RoutingPasses.run(model, rows, batchSize, restriction, true, sums::add);
    return sums.statistics();
  }

  /** The running sums; a pass adds every layer of a batch at once, or (layer by layer) one layer of it. */
  static final class Sums {
    private long scoredTokens;
    private final double[][] probabilities;
    private final long[][] assignments;
    private final double[][] gatedNorms;

    Sums(int layers, int routed) {
      probabilities = new double[layers][routed];
      assignments = new long[layers][routed];
      gatedNorms = new double[layers][routed];
    }

    void add(PackedBatch batch, ForwardContext context) {
      countTokens(batch);
      for (int layer = 0; layer < probabilities.length; layer++) {
        addLayer(layer, batch, context);
      }
    }

    void countTokens(PackedBatch batch) {
      scoredTokens += batch.scoredTokens;
    }

    /** The routing that one layer recorded in the context, its output norms included. */
    void addLayer(int layer, PackedBatch batch, ForwardContext context) {
      LayerRouting routing = context.routing(layer);
      NDArray scored = context.batch.scored.expandDims(1);
      float[] batchSums = routing.routedProbabilities().mul(scored).sum(new int[] {0}).toFloatArray();
      for (int e = 0; e < batchSums.length; e++) {
        probabilities[layer][e] += batchSums[e];
      }
      float[] gated = routing.topWeights().mul(routing.expertOutputNorms()).toFloatArray();
      long[] top = routing.topExperts();
      int k = top.length / batch.totalTokens();
      for (int slot = 0; slot < top.length; slot++) {
        if (batch.scored[slot / k] != 0f) {
          assignments[layer][(int) top[slot]]++;
          gatedNorms[layer][(int) top[slot]] += gated[slot];
        }
      }
    }

    /** The sums so far (the arrays themselves, not copies). */
    RoutingStatistics statistics() {
      return new RoutingStatistics(scoredTokens, probabilities, assignments, gatedNorms);
    }
  }

  /** Mean routed probability of each expert over the scored tokens. */
  public double[] meanProbability(int layer) {
    return Arrays.stream(probabilitySums[layer]).map(sum -> sum / scoredTokens).toArray();
  }

  public double[] assignmentCounts(int layer) {
    return Arrays.stream(topKAssignments[layer]).asDoubleStream().toArray();
  }

  public double[] outputScores(int layer) {
    return gatedOutputNorms[layer].clone();
  }
}

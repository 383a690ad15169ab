package org.emoflow.model.select;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;

/**
 * How the full model routes each domain's scored tokens, per layer and routed expert (the sweep writes
 * these as Parquet). A token's domain is its segment's.
 *
 * <p>Concentration, per domain and layer: the share of the domain's top-k assignments taken by its
 * ceil(E-1 / 4) most-used routed experts. It is 1 when a quarter of the experts serves the whole domain,
 * about 0.25 when the domain spreads evenly: a direct reading of how well a 25% subset can serve it.
 */
public final class DomainRouting {
  /**
   * @param tokenShare the expert's part of the domain's top-k assignments in this layer (sums to 1 over experts)
   * @param meanProbability mean router probability of the expert over the domain's scored tokens
   * @param tokens the domain's scored tokens, over which both are measured
   */
  public record ExpertShare(
      String domain, int layer, int expert, double tokenShare, double meanProbability, long tokens) {}

  public record Concentration(String domain, int layer, double topQuarterShare) {}

  private final int layers;
  private final int routed;
  private final Map<String, DomainSums> byDomain = new TreeMap<>();

  private DomainRouting(int layers, int routed) {
    this.layers = layers;
    this.routed = routed;
  }

  private static final class DomainSums {
    private long tokens;
    private final double[][] probabilities;
    private final long[][] assignments;

    DomainSums(int layers, int routed) {
      probabilities = new double[layers][routed];
      assignments = new long[layers][routed];
    }
  }

  /** One pass of the unrestricted model over the rows. */
  public static DomainRouting measure(LanguageModel model, List<PackedSequence> rows, int batchSize) {
    DomainRouting routing = new DomainRouting(model.config().layers(), model.config().routedExperts());
    RoutingPasses.run(model, rows, batchSize, null, false, routing::add);
    return routing;
  }

  private void add(PackedBatch batch, ForwardContext context) {
    DomainSums[] sumsOfToken = new DomainSums[batch.totalTokens()];
    for (int t = 0; t < sumsOfToken.length; t++) {
      if (batch.scored[t] != 0f) {
        String domain = batch.segmentDomains[(int) batch.segmentOfToken[t]];
        sumsOfToken[t] = byDomain.computeIfAbsent(domain, d -> new DomainSums(layers, routed));
        sumsOfToken[t].tokens++;
      }
    }
    for (int layer = 0; layer < layers; layer++) {
      float[] probabilities = context.routing(layer).probabilities().toFloatArray();
      long[] top = context.routing(layer).topExperts();
      int k = top.length / sumsOfToken.length;
      for (int t = 0; t < sumsOfToken.length; t++) {
        if (sumsOfToken[t] == null) {
          continue;
        }
        for (int e = 0; e < routed; e++) {
          sumsOfToken[t].probabilities[layer][e] += probabilities[t * routed + e];
        }
        for (int j = 0; j < k; j++) {
          sumsOfToken[t].assignments[layer][(int) top[t * k + j]]++;
        }
      }
    }
  }

  public List<String> domains() {
    return List.copyOf(byDomain.keySet());
  }

  /** Domain-major, then layer, then expert. */
  public List<ExpertShare> shares() {
    List<ExpertShare> shares = new ArrayList<>();
    byDomain.forEach((domain, sums) -> {
      for (int layer = 0; layer < layers; layer++) {
        long assignments = Arrays.stream(sums.assignments[layer]).sum();
        for (int e = 0; e < routed; e++) {
          shares.add(new ExpertShare(domain, layer, e, (double) sums.assignments[layer][e] / assignments,
              sums.probabilities[layer][e] / sums.tokens, sums.tokens));
        }
      }
    });
    return shares;
  }

  public List<Concentration> concentration() {
    int quarter = (routed + 3) / 4;
    List<Concentration> concentration = new ArrayList<>();
    byDomain.forEach((domain, sums) -> {
      for (int layer = 0; layer < layers; layer++) {
        long[] sorted = sums.assignments[layer].clone();
        Arrays.sort(sorted);
        long top = Arrays.stream(sorted, routed - quarter, routed).sum();
        concentration.add(new Concentration(domain, layer, (double) top / Arrays.stream(sorted).sum()));
      }
    });
    return concentration;
  }
}

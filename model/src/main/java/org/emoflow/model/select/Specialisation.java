package org.emoflow.model.select;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Do tokens that route alike come from the same domain (spec section 7)? The tokens' routing vectors are
 * mean-centred, reduced by PCA, L2-normalised and clustered by spherical k-means; each cluster is then
 * measured by its share of its majority domain. EMO's clusters should be topical (pure), a standard
 * MoE's syntactic (mixed).
 */
public final class Specialisation {
  public static final int DEFAULT_COMPONENTS = 32;
  public static final int DEFAULT_CLUSTERS = 32;

  /** A non-empty cluster; of domains with equal counts the alphabetically first is the majority. */
  public record Cluster(int id, int size, String majorityDomain, double purity) {}

  /** @param purity share of all tokens that belong to their cluster's majority domain */
  public record Result(List<Cluster> clusters, double purity) {}

  private Specialisation() {}

  /**
   * @param components PCA dimensions kept (fewer when the vectors span fewer)
   * @param clusters k (fewer clusters when there are fewer distinct directions)
   */
  public static Result analyse(TokenRouting tokens, int components, int clusters, long seed) {
    if (tokens.tokens() == 0) {
      throw new IllegalArgumentException("no tokens to analyse");
    }
    if (components < 1 || clusters < 1) {
      throw new IllegalArgumentException("components and clusters must be positive");
    }
    double[][] points = PrincipalComponents.project(tokens.vectors(), components, seed);
    for (double[] point : points) {
      double norm = Math.sqrt(PrincipalComponents.dot(point, point));
      for (int d = 0; d < point.length && norm > 0; d++) {
        point[d] /= norm;
      }
    }
    int[] assignment = SphericalKMeans.cluster(points, clusters, seed);
    List<Map<String, Integer>> domainCounts = new ArrayList<>();
    for (int n = 0; n < assignment.length; n++) {
      while (domainCounts.size() <= assignment[n]) {
        domainCounts.add(new TreeMap<>());
      }
      domainCounts.get(assignment[n]).merge(tokens.domains()[n], 1, Integer::sum);
    }
    List<Cluster> summaries = new ArrayList<>();
    long inMajority = 0;
    for (int id = 0; id < domainCounts.size(); id++) {
      Map<String, Integer> counts = domainCounts.get(id);
      if (counts.isEmpty()) {
        continue;
      }
      Map.Entry<String, Integer> majority = Collections.max(counts.entrySet(), Map.Entry.comparingByValue());
      int size = counts.values().stream().mapToInt(Integer::intValue).sum();
      summaries.add(new Cluster(id, size, majority.getKey(), (double) majority.getValue() / size));
      inMajority += majority.getValue();
    }
    return new Result(summaries, (double) inMajority / assignment.length);
  }
}

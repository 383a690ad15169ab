package org.emoflow.model.select;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The routed experts several tasks keep together (spec section 7): per layer the union of each task's
 * kept ids. Layers of a union may keep different numbers of experts; a pruned checkpoint holds one number
 * per layer, so {@link #padded} widens every layer to the widest by the members' normalised rankings.
 */
public final class ExpertUnion {
  private ExpertUnion() {}

  /** Per layer the ascending union of the members' kept routed ids ([member][layer][i]). */
  public static int[][] of(List<int[][]> members) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a union needs at least one member");
    }
    int layers = members.get(0).length;
    int[][] union = new int[layers][];
    for (int layer = 0; layer < layers; layer++) {
      TreeSet<Integer> ids = new TreeSet<>();
      for (int[][] member : members) {
        if (member.length != layers) {
          throw new IllegalArgumentException("members cover " + layers + " and " + member.length + " layers");
        }
        Arrays.stream(member[layer]).forEach(ids::add);
      }
      union[layer] = ids.stream().mapToInt(Integer::intValue).toArray();
    }
    return union;
  }

  /** Routed experts of the widest layer. */
  public static int widest(int[][] kept) {
    return Arrays.stream(kept).mapToInt(layer -> layer.length).max().orElse(0);
  }

  /**
   * The union with every layer widened to the widest one: a narrower layer adds the experts outside it
   * with the highest summed score, where each member's scores of the layer are first divided by their sum
   * (a member that scores a layer all zero adds nothing); of equal sums the lower id wins.
   *
   * @param scores [member][layer][expert] non-negative scores the members rank experts by
   */
  public static int[][] padded(int[][] union, List<double[][]> scores) {
    int width = widest(union);
    int[][] padded = new int[union.length][];
    for (int layer = 0; layer < union.length; layer++) {
      double[] summed = summedShares(scores, layer);
      TreeSet<Integer> kept = new TreeSet<>();
      Arrays.stream(union[layer]).forEach(kept::add);
      IntStream.range(0, summed.length).boxed()
          .filter(e -> !kept.contains(e))
          .sorted(Comparator.comparingDouble((Integer e) -> -summed[e]).thenComparingInt(e -> e))
          .limit(width - kept.size())
          .forEach(kept::add);
      padded[layer] = kept.stream().mapToInt(Integer::intValue).toArray();
    }
    return padded;
  }

  private static double[] summedShares(List<double[][]> scores, int layer) {
    double[] summed = null;
    for (double[][] member : scores) {
      double[] row = member[layer];
      if (summed == null) {
        summed = new double[row.length];
      }
      double total = Arrays.stream(row).sum();
      for (int e = 0; total > 0 && e < row.length; e++) {
        summed[e] += row[e] / total;
      }
    }
    return summed;
  }
}

package org.emoflow.model.select;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * k-means on the unit sphere: a point joins the centroid of largest dot product, a centroid is the
 * normalised sum of its members. Seeded k-means++ start (weights 1 - best similarity, half the squared
 * distance); with fewer distinct points than k it starts fewer centroids. Ties go to the lower centroid.
 */
final class SphericalKMeans {
  private static final int MAX_ITERATIONS = 300;

  private SphericalKMeans() {}

  /** Cluster index per row; rows are unit vectors (or zero, which joins centroid 0). */
  static int[] cluster(double[][] rows, int k, long seed) {
    List<double[]> centroids = start(rows, k, new SplittableRandom(seed));
    int[] assignment = new int[rows.length];
    Arrays.fill(assignment, -1);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      boolean changed = false;
      for (int n = 0; n < rows.length; n++) {
        int nearest = nearest(rows[n], centroids);
        changed |= nearest != assignment[n];
        assignment[n] = nearest;
      }
      if (!changed) {
        break;
      }
      recentre(rows, assignment, centroids);
    }
    return assignment;
  }

  private static List<double[]> start(double[][] rows, int k, SplittableRandom random) {
    List<double[]> centroids = new ArrayList<>();
    centroids.add(rows[random.nextInt(rows.length)].clone());
    double[] distance = new double[rows.length];
    while (centroids.size() < k) {
      double total = 0;
      for (int n = 0; n < rows.length; n++) {
        distance[n] = Math.max(0, 1 - similarity(rows[n], centroids));
        total += distance[n];
      }
      if (total == 0) {
        break;
      }
      double pick = random.nextDouble(total);
      int chosen = 0;
      while (chosen < rows.length - 1 && (pick -= distance[chosen]) >= 0) {
        chosen++;
      }
      centroids.add(rows[chosen].clone());
    }
    return centroids;
  }

  private static double similarity(double[] row, List<double[]> centroids) {
    return PrincipalComponents.dot(row, centroids.get(nearest(row, centroids)));
  }

  private static int nearest(double[] row, List<double[]> centroids) {
    int best = 0;
    double bestSimilarity = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < centroids.size(); c++) {
      double s = PrincipalComponents.dot(row, centroids.get(c));
      if (s > bestSimilarity) {
        best = c;
        bestSimilarity = s;
      }
    }
    return best;
  }

  /** An emptied centroid keeps its place, so indices stay stable. */
  private static void recentre(double[][] rows, int[] assignment, List<double[]> centroids) {
    double[][] sums = new double[centroids.size()][rows[0].length];
    for (int n = 0; n < rows.length; n++) {
      for (int d = 0; d < rows[n].length; d++) {
        sums[assignment[n]][d] += rows[n][d];
      }
    }
    for (int c = 0; c < sums.length; c++) {
      double norm = Math.sqrt(PrincipalComponents.dot(sums[c], sums[c]));
      if (norm > 0) {
        for (int d = 0; d < sums[c].length; d++) {
          sums[c][d] /= norm;
        }
        centroids.set(c, sums[c]);
      }
    }
  }
}

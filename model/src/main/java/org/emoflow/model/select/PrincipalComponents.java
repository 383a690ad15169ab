package org.emoflow.model.select;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * PCA by orthogonal (subspace) iteration on the covariance matrix: repeatedly multiply a basis by the
 * covariance and re-orthonormalise it, until the variance it retains stops growing. Only the leading
 * subspace is needed (the clustering that follows is invariant to rotations inside it, and where
 * eigenvalues nearly tie the axes themselves converge slowly but the retained variance does not), so
 * this costs D^2 per axis and iteration where a full eigen-decomposition would cost D^3.
 */
final class PrincipalComponents {
  private static final int MAX_ITERATIONS = 1000;
  /**
   * Stop once an iteration adds less than this share of the total variance to what the basis retains: past
   * it, a noisy tail of near-equal eigenvalues creeps on for hundreds of iterations that change no cluster.
   */
  private static final double CONVERGED = 1e-6;
  /** Relative to the total variance: a direction carrying less holds no data, only rounding. */
  private static final double NEGLIGIBLE_VARIANCE = 1e-12;

  private PrincipalComponents() {}

  /**
   * The rows, mean-centred and projected on at most {@code components} leading principal axes; fewer when
   * the centred rows span fewer dimensions.
   */
  static double[][] project(float[][] rows, int components, long seed) {
    double[] mean = mean(rows);
    double[][] covariance = covariance(rows, mean);
    List<double[]> axes = leadingAxes(covariance, Math.min(components, mean.length), seed);
    double[][] projected = new double[rows.length][axes.size()];
    for (int n = 0; n < rows.length; n++) {
      for (int c = 0; c < axes.size(); c++) {
        double[] axis = axes.get(c);
        double sum = 0;
        for (int d = 0; d < mean.length; d++) {
          sum += (rows[n][d] - mean[d]) * axis[d];
        }
        projected[n][c] = sum;
      }
    }
    return projected;
  }

  private static double[] mean(float[][] rows) {
    double[] mean = new double[rows[0].length];
    for (float[] row : rows) {
      for (int d = 0; d < mean.length; d++) {
        mean[d] += row[d];
      }
    }
    for (int d = 0; d < mean.length; d++) {
      mean[d] /= rows.length;
    }
    return mean;
  }

  /** The sum of outer products of centred rows (the scale does not change the axes). */
  private static double[][] covariance(float[][] rows, double[] mean) {
    int dims = mean.length;
    double[][] covariance = new double[dims][dims];
    double[] centred = new double[dims];
    for (float[] row : rows) {
      for (int d = 0; d < dims; d++) {
        centred[d] = row[d] - mean[d];
      }
      for (int i = 0; i < dims; i++) {
        for (int j = i; j < dims; j++) {
          covariance[i][j] += centred[i] * centred[j];
        }
      }
    }
    for (int i = 0; i < dims; i++) {
      for (int j = 0; j < i; j++) {
        covariance[i][j] = covariance[j][i];
      }
    }
    return covariance;
  }

  private static List<double[]> leadingAxes(double[][] covariance, int count, long seed) {
    double totalVariance = 0;
    for (int i = 0; i < covariance.length; i++) {
      totalVariance += covariance[i][i];
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<double[]> basis = new ArrayList<>();
    for (int c = 0; c < count; c++) {
      basis.add(random.doubles(covariance.length, -1, 1).toArray());
    }
    basis = orthonormal(basis, 0);
    double retained = 0;
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      List<double[]> products = new ArrayList<>();
      double previous = retained;
      retained = 0;
      for (double[] axis : basis) {
        double[] product = multiply(covariance, axis);
        retained += dot(axis, product);
        products.add(product);
      }
      basis = orthonormal(products, NEGLIGIBLE_VARIANCE * totalVariance);
      if (retained - previous <= CONVERGED * totalVariance) {
        break;
      }
    }
    return basis;
  }

  /** Modified Gram-Schmidt; a vector whose remainder is no longer than {@code dropBelow} is dropped. */
  private static List<double[]> orthonormal(List<double[]> vectors, double dropBelow) {
    List<double[]> basis = new ArrayList<>();
    for (double[] vector : vectors) {
      double[] remainder = vector.clone();
      for (double[] axis : basis) {
        subtract(remainder, axis, dot(remainder, axis));
      }
      double norm = Math.sqrt(dot(remainder, remainder));
      if (norm > dropBelow) {
        for (int d = 0; d < remainder.length; d++) {
          remainder[d] /= norm;
        }
        basis.add(remainder);
      }
    }
    return basis;
  }

  private static double[] multiply(double[][] matrix, double[] vector) {
    double[] product = new double[matrix.length];
    for (int i = 0; i < matrix.length; i++) {
      product[i] = dot(matrix[i], vector);
    }
    return product;
  }

  private static void subtract(double[] from, double[] vector, double times) {
    for (int d = 0; d < from.length; d++) {
      from[d] -= times * vector[d];
    }
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}

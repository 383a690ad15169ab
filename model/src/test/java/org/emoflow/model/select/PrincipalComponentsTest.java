package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** PCA by subspace iteration against axes known by construction. */
class PrincipalComponentsTest {
  @Test
  void axesFollowTheLargestVarianceAndStopAtTheDataRank() {
    // Uncorrelated spreads along (1, 2, 0, 0) / sqrt 5 (large) and (0, 0, 1, 0) (small); none along the last axis.
    float[][] rows = new float[50][];
    for (int n = 0; n < rows.length; n++) {
      rows[n] = new float[] {along(n) + 3, 2 * along(n) - 1, 0.1f * across(n), 7};
    }
    double[][] projected = PrincipalComponents.project(rows, 4, 3);
    assertEquals(2, projected[0].length, "the centred points span two dimensions");
    // An axis's sign is arbitrary: read it from one point.
    double sign0 = Math.signum(projected[rows.length - 1][0]);
    double sign1 = Math.signum(projected[0][1]);
    for (int n = 0; n < rows.length; n++) {
      assertEquals(sign0 * Math.sqrt(5) * along(n), projected[n][0], 1e-4);
      assertEquals(sign1 * 0.1f * across(n), projected[n][1], 1e-4);
    }
    double[][] leading = PrincipalComponents.project(rows, 1, 3);
    assertEquals(1, leading[0].length, "only the axes asked for");
    for (int n = 0; n < rows.length; n++) {
      assertEquals(Math.abs(projected[n][0]), Math.abs(leading[n][0]), 1e-4);
    }
  }

  /** -12..12, each value twice, once with either sign of {@link #across}. */
  private static float along(int n) {
    return n / 2 - 12;
  }

  private static float across(int n) {
    return n % 2 == 0 ? 1 : -1;
  }
}

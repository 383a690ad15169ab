package org.emoflow.model.select;

import org.emoflow.model.nn.ExpertRestriction;

/**
 * Which routed experts each layer keeps, and how they were chosen.
 *
 * @param keptExperts K, experts kept per layer counting the shared one (K - 1 routed ids per layer)
 * @param restriction every layer restricted to its K - 1 routed ids, ascending
 * @param calibration the calibration set the choice came from; null for {@link SelectionMethod#RANDOM}
 * @param randomSeed the generator's seed for {@link SelectionMethod#RANDOM}; null otherwise
 */
public record Selection(
    SelectionMethod method,
    int keptExperts,
    ExpertRestriction restriction,
    CalibrationFingerprint calibration,
    Long randomSeed) {

  public int[] kept(int layer) {
    return restriction.kept(layer);
  }
}

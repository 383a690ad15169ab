package org.emoflow.model.select;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.nn.ExpertRestriction;

/**
 * Several tasks served by one pruned model (spec section 7): each member selects its own K experts per
 * layer, the composed model keeps their union, widened to the widest layer ({@link ExpertUnion#padded})
 * so that it is one checkpoint shape. Padding ranks by each member's unrestricted statistic of its method
 * (mean routed probability for layerwise and global, top-k counts for frequency, gated output norms for
 * output); the random control pads at random.
 *
 * @param members each member's own selection, in the members' order
 * @param union per layer the ascending union of the members' kept routed ids (widths may differ)
 * @param composed the union padded to a uniform width: K' = widest layer + 1 experts per layer
 */
public record Composition(List<Selection> members, int[][] union, Selection composed) {

  /** K', the composed model's experts per layer, the shared one included. */
  public int composedExperts() {
    return composed.keptExperts();
  }

  /**
   * Every member's selection by {@code method} at K (the random control: member i draws with seed + i, so
   * members differ), then their padded union.
   *
   * @param selectors one per member, over that member's calibration rows; unused by the random control
   *     except for their number and the model's shape
   */
  public static Composition of(ModelConfig config, List<ExpertSelector> selectors, SelectionMethod method,
      int keptExperts, long seed) {
    if (selectors.size() < 2) {
      throw new IllegalArgumentException("a composition needs at least two members, got " + selectors.size());
    }
    List<Selection> members = new ArrayList<>();
    List<double[][]> scores = new ArrayList<>();
    for (int i = 0; i < selectors.size(); i++) {
      if (method == SelectionMethod.RANDOM) {
        members.add(ExpertSelector.random(config, keptExperts, seed + i));
        scores.add(randomScores(config, seed + i));
      } else {
        members.add(selectors.get(i).select(method, keptExperts, seed));
        scores.add(scores(selectors.get(i).unrestrictedStatistics(), method, config.layers()));
      }
    }
    int[][] union = ExpertUnion.of(members.stream().map(Composition::kept).toList());
    int[][] padded = ExpertUnion.padded(union, scores);
    int composedExperts = padded[0].length + 1;
    CalibrationFingerprint calibration = method == SelectionMethod.RANDOM ? null
        : combined(selectors.stream().map(ExpertSelector::calibration).toList());
    Selection composed = new Selection(method, composedExperts, new ExpertRestriction(padded), calibration,
        method == SelectionMethod.RANDOM ? seed : null);
    return new Composition(List.copyOf(members), union, composed);
  }

  private static int[][] kept(Selection selection) {
    return IntStream.range(0, selection.restriction().layers()).mapToObj(selection::kept).toArray(int[][]::new);
  }

  private static double[][] scores(RoutingStatistics statistics, SelectionMethod method, int layers) {
    return IntStream.range(0, layers).mapToObj(layer -> switch (method) {
      case LAYERWISE, GLOBAL -> statistics.meanProbability(layer);
      case FREQUENCY -> statistics.assignmentCounts(layer);
      case OUTPUT -> statistics.outputScores(layer);
      case RANDOM -> throw new IllegalArgumentException("the random control has no statistics");
    }).toArray(double[][]::new);
  }

  private static double[][] randomScores(ModelConfig config, long seed) {
    // A generator apart from the selection's own (which is seeded by the same number).
    SplittableRandom generator = new SplittableRandom(seed).split();
    return IntStream.range(0, config.layers())
        .mapToObj(layer -> generator.doubles(config.routedExperts()).toArray()).toArray(double[][]::new);
  }

  /** The members' calibration sets together: their fingerprints' hashes hashed in order, rows and tokens summed. */
  private static CalibrationFingerprint combined(List<CalibrationFingerprint> parts) {
    MessageDigest digest = Checksums.newSha256();
    parts.forEach(part -> digest.update(part.sha256().getBytes(StandardCharsets.US_ASCII)));
    return new CalibrationFingerprint(Checksums.hex(digest), parts.stream().mapToInt(CalibrationFingerprint::rows).sum(),
        parts.stream().mapToLong(CalibrationFingerprint::scoredTokens).sum());
  }
}

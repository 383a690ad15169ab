package org.emoflow.model.select;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;

/**
 * Chooses K experts per layer (the shared one and K - 1 routed) for one model and one calibration set. The
 * unrestricted model's statistics are measured once, on first need, and serve {@code global}, {@code
 * frequency}, {@code output} and the first layer of {@code layerwise} at every K; {@code layerwise} needs
 * one more pass per further layer, since each layer's choice depends on the restriction of those before.
 */
public final class ExpertSelector {
  private final LanguageModel model;
  private final List<PackedSequence> calibration;
  private final int batchSize;
  private final CalibrationFingerprint fingerprint;
  private RoutingStatistics unrestricted;

  public ExpertSelector(LanguageModel model, List<PackedSequence> calibration, int batchSize) {
    this.fingerprint = checkedCalibration(model.config(), calibration, batchSize);
    this.model = model;
    this.calibration = List.copyOf(calibration);
    this.batchSize = batchSize;
  }

  /** The calibration set's fingerprint, once the model, the rows and the batch size are checked to allow a choice. */
  static CalibrationFingerprint checkedCalibration(ModelConfig config, List<PackedSequence> calibration,
      int batchSize) {
    if (!config.router().isMoe()) {
      throw new IllegalArgumentException("a dense model has no experts to select: only an MoE can be pruned");
    }
    if (calibration.isEmpty()) {
      throw new IllegalArgumentException("no calibration rows: selection needs at least one document");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    CalibrationFingerprint fingerprint = CalibrationFingerprint.of(calibration);
    if (fingerprint.scoredTokens() == 0) {
      throw new IllegalArgumentException(
          "the calibration rows hold no scored tokens: every segment is a single token");
    }
    return fingerprint;
  }

  public CalibrationFingerprint calibration() {
    return fingerprint;
  }

  /** The full model's routing on the calibration rows, measured on the first call. */
  public RoutingStatistics unrestrictedStatistics() {
    if (unrestricted == null) {
      unrestricted = RoutingStatistics.measure(model, calibration, batchSize, null);
    }
    return unrestricted;
  }

  /**
   * @param keptExperts K, counting the shared expert; K - 1 must be at least top_k and K at most E
   * @param randomSeed used by {@link SelectionMethod#RANDOM} only
   */
  public Selection select(SelectionMethod method, int keptExperts, long randomSeed) {
    int keptRouted = keptRouted(model.config(), keptExperts);
    ExpertRestriction restriction = switch (method) {
      case LAYERWISE -> layerwise(keptRouted);
      case GLOBAL, FREQUENCY, OUTPUT -> eachLayer(layer -> top(method, unrestrictedStatistics(), layer, keptRouted));
      case RANDOM -> randomSubsets(model.config(), keptRouted, randomSeed);
    };
    boolean random = method == SelectionMethod.RANDOM;
    return new Selection(method, keptExperts, restriction, random ? null : fingerprint, random ? randomSeed : null);
  }

  /** K - 1, once K is checked against the model: at most E, and leaving at least top_k routed experts. */
  public static int keptRouted(ModelConfig config, int keptExperts) {
    if (keptExperts > config.experts()) {
      throw new IllegalArgumentException("cannot keep " + keptExperts + " experts per layer: the model has "
          + config.experts() + " (the shared one included)");
    }
    if (keptExperts - 1 < config.topK()) {
      throw new IllegalArgumentException("keeping " + keptExperts + " experts leaves " + (keptExperts - 1)
          + " routed ones, fewer than top_k (" + config.topK() + "): K must be at least top_k + 1 = "
          + (config.topK() + 1));
    }
    return keptExperts - 1;
  }

  private ExpertRestriction layerwise(int keptRouted) {
    ExpertRestriction restriction = ExpertRestriction.none(model.config().layers());
    for (int layer = 0; layer < model.config().layers(); layer++) {
      RoutingStatistics statistics =
          layer == 0 ? unrestrictedStatistics() : RoutingStatistics.measure(model, calibration, batchSize, restriction);
      restriction = restriction.with(layer, top(SelectionMethod.LAYERWISE, statistics, layer, keptRouted));
    }
    return restriction;
  }

  /**
   * A layer's kept routed experts by the method's criterion: mean routed probability ({@code layerwise},
   * measured with the earlier layers restricted, and {@code global}), top-k counts or gated output norms.
   */
  static int[] top(SelectionMethod method, RoutingStatistics statistics, int layer, int keptRouted) {
    double[] scores = switch (method) {
      case LAYERWISE, GLOBAL -> statistics.meanProbability(layer);
      case FREQUENCY -> statistics.assignmentCounts(layer);
      case OUTPUT -> statistics.outputScores(layer);
      case RANDOM -> throw new IllegalArgumentException("random selection ranks nothing");
    };
    return TopExperts.of(scores, keptRouted);
  }

  private ExpertRestriction eachLayer(IntFunction<int[]> keptInLayer) {
    return eachLayer(model.config().layers(), keptInLayer);
  }

  static ExpertRestriction eachLayer(int layers, IntFunction<int[]> keptInLayer) {
    return new ExpertRestriction(IntStream.range(0, layers).mapToObj(keptInLayer).toArray(int[][]::new));
  }

  /**
   * The {@link SelectionMethod#RANDOM} control without a model or calibration set: it depends on the shape
   * and the seed only, and equals {@code select(RANDOM, keptExperts, seed)} of any selector over this config.
   */
  public static Selection random(ModelConfig config, int keptExperts, long seed) {
    ExpertRestriction restriction = randomSubsets(config, keptRouted(config, keptExperts), seed);
    return new Selection(SelectionMethod.RANDOM, keptExperts, restriction, null, seed);
  }

  /** A uniform (K - 1)-subset per layer by a partial Fisher-Yates shuffle; layers draw in turn from one generator. */
  private static ExpertRestriction randomSubsets(ModelConfig config, int keptRouted, long seed) {
    SplittableRandom generator = new SplittableRandom(seed);
    int routed = config.routedExperts();
    return eachLayer(config.layers(), layer -> {
      int[] ids = IntStream.range(0, routed).toArray();
      for (int i = 0; i < keptRouted; i++) {
        int j = generator.nextInt(i, routed);
        int swap = ids[i];
        ids[i] = ids[j];
        ids[j] = swap;
      }
      return IntStream.of(ids).limit(keptRouted).sorted().toArray();
    });
  }
}

package org.emoflow.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;

/**
 * Held-out language-modelling loss per domain (nats per scored token) and bits per byte
 * (sum of token losses / (UTF-8 bytes of the scored tokens * ln 2)).
 */
public final class Evaluator {
  public static final String ALL = "all";

  /** Sums for one domain; {@code bytes} is 0 when no byte table was given. */
  public record DomainLoss(String domain, double nats, long tokens, long bytes) {
    public double loss() {
      return tokens == 0 ? Double.NaN : nats / tokens;
    }

    public double bitsPerByte() {
      return bytes == 0 ? Double.NaN : nats / (bytes * Math.log(2));
    }

    DomainLoss plus(double moreNats, long moreTokens, long moreBytes) {
      return new DomainLoss(domain, nats + moreNats, tokens + moreTokens, bytes + moreBytes);
    }
  }

  private Evaluator() {}

  /**
   * @param restriction kept experts per layer, or null for the full model
   * @param tokenBytes UTF-8 length of each token id, or null to skip bits per byte
   * @return per domain, plus {@link #ALL}
   */
  public static Map<String, DomainLoss> evaluate(
      LanguageModel model, List<PackedSequence> rows, int batchSize, ExpertRestriction restriction, int[] tokenBytes) {
    Map<String, DomainLoss> byDomain = new TreeMap<>();
    for (int start = 0; start < rows.size(); start += batchSize) {
      PackedBatch batch = new PackedBatch(rows.subList(start, Math.min(rows.size(), start + batchSize)));
      float[] logProbabilities = targetLogProbabilities(model, batch, restriction);
      // Summed per segment, then merged: one map update per segment rather than two per token.
      double[] nats = new double[batch.segments];
      long[] tokens = new long[batch.segments];
      long[] bytes = new long[batch.segments];
      for (int t = 0; t < batch.totalTokens(); t++) {
        if (batch.scored[t] == 0f) {
          continue;
        }
        int segment = (int) batch.segmentOfToken[t];
        nats[segment] -= logProbabilities[t];
        tokens[segment]++;
        bytes[segment] += tokenBytes == null ? 0 : tokenBytes[(int) batch.targets[t]];
      }
      for (int segment = 0; segment < batch.segments; segment++) {
        if (tokens[segment] > 0) {
          for (String domain : new String[] {batch.segmentDomains[segment], ALL}) {
            byDomain.merge(domain, new DomainLoss(domain, nats[segment], tokens[segment], bytes[segment]),
                (a, b) -> a.plus(b.nats(), b.tokens(), b.bytes()));
          }
        }
      }
    }
    return byDomain;
  }

  /** One forward pass without gradients; EMO uses its evaluation pool (or none). */
  public static float[] targetLogProbabilities(LanguageModel model, PackedBatch batch, ExpertRestriction restriction) {
    try (NDManager manager = model.manager().newSubManager()) {
      ForwardContext context = ForwardContext.forEvaluation(model.config(), batch, manager, restriction, false);
      NDArray hidden = model.hidden(context);
      return model.targetLogProbabilities(hidden, context.batch).toFloatArray();
    }
  }
}

package org.emoflow.model.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.SegmentPacker;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;

/**
 * Log-likelihoods of continuations given their contexts: each context + continuation is one segment
 * (its own document: positions, attention and pool), and the log-probabilities of the continuation's
 * tokens are summed. What multiple-choice choices and generative tasks' reference answers are scored by.
 */
final class Continuations {
  private Continuations() {}

  /** One segment's tokens: the context, then the continuation. */
  static int[] joined(int[] context, int[] continuation) {
    int[] tokens = Arrays.copyOf(context, context.length + continuation.length);
    System.arraycopy(continuation, 0, tokens, context.length, continuation.length);
    return tokens;
  }

  /** @param restriction kept experts per layer, or null for the full model */
  static double[] logLikelihoods(LanguageModel model, List<int[]> contexts, List<int[]> continuations, int batchSize,
      ExpertRestriction restriction, int padId) {
    int seqLen = model.config().seqLen();
    List<SegmentPacker.Segment> segments = new ArrayList<>();
    for (int i = 0; i < contexts.size(); i++) {
      segments.add(new SegmentPacker.Segment(joined(contexts.get(i), continuations.get(i)), "continuation-" + i, 0,
          "continuation"));
    }
    // The packer keeps segment order, so walking the rows' segments in order meets them one by one.
    List<PackedSequence> rows = SegmentPacker.pack(segments, seqLen, padId);
    double[] logLikelihoods = new double[segments.size()];
    int next = 0;
    for (int first = 0; first < rows.size(); first += batchSize) {
      List<PackedSequence> batchRows = rows.subList(first, Math.min(rows.size(), first + batchSize));
      float[] logProbabilities = Evaluator.targetLogProbabilities(model, new PackedBatch(batchRows), restriction);
      for (int r = 0; r < batchRows.size(); r++) {
        int start = r * seqLen;
        for (int length : batchRows.get(r).segmentLengths()) {
          int continuationLength = continuations.get(next).length;
          // Position t holds log p(token t + 1): the continuation is predicted from its first position - 1.
          double sum = 0;
          for (int t = start + length - continuationLength - 1; t < start + length - 1; t++) {
            sum += logProbabilities[t];
          }
          logLikelihoods[next++] = sum;
          start += length;
        }
      }
    }
    return logLikelihoods;
  }
}

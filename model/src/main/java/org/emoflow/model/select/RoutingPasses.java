package org.emoflow.model.select;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.eval.Evaluator;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;

/**
 * Forward passes without gradients that only look at the routing: batch by batch, each batch in its own
 * sub-manager, closed (with every tensor of the pass) once its consumer has copied what it needs to the
 * host. EMO routes with its evaluation pool (or none), as {@link Evaluator} does.
 */
final class RoutingPasses {
  interface BatchConsumer {
    void accept(PackedBatch batch, ForwardContext context);
  }

  private RoutingPasses() {}

  static void run(LanguageModel model, List<PackedSequence> rows, int batchSize, ExpertRestriction restriction,
      boolean expertOutputNorms, BatchConsumer consumer) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    for (int start = 0; start < rows.size(); start += batchSize) {
      PackedBatch batch = new PackedBatch(rows.subList(start, Math.min(rows.size(), start + batchSize)));
      try (NDManager manager = model.manager().newSubManager()) {
        ForwardContext context = ForwardContext.forEvaluation(model.config(), batch, manager, restriction, expertOutputNorms);
        model.hidden(context);
        consumer.accept(batch, context);
      }
    }
  }
}

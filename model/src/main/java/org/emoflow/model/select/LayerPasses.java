package org.emoflow.model.select;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.BatchTensors;
import org.emoflow.model.nn.Block;
import org.emoflow.model.nn.BlockByBlock;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.ForwardContext;

/**
 * {@link RoutingPasses} over a checkpoint with one layer in memory at a time. The rows' hidden states (B x L
 * x d per batch) wait in the engine between layers; a layer's weights are read from the checkpoint's memory
 * maps into a manager of their own, serve every batch for one or more passes, and are freed before the next
 * layer is read. The batches, the operations and the routing (EMO's evaluation pool included) are those of
 * a pass over the whole model, so every number is the same.
 */
final class LayerPasses implements AutoCloseable {
  interface LayerConsumer {
    /** The context holds the layer's routing, with its expert output norms. */
    void accept(PackedBatch batch, ForwardContext context);
  }

  private final ModelConfig config;
  private final BlockByBlock model;
  private final NDManager manager;
  private final List<PackedBatch> batches = new ArrayList<>();
  private final NDArray[] hidden;
  /** The layer whose input {@link #hidden} holds. */
  private int next;

  /** Embeds every batch of the rows; the embedding table is freed before this returns. */
  LayerPasses(ModelCheckpoint checkpoint, List<PackedSequence> rows, int batchSize, NDManager parent)
      throws IOException {
    config = checkpoint.config();
    model = new BlockByBlock(config, (name, shape, target) -> checkpoint.tensor(name, target));
    for (int start = 0; start < rows.size(); start += batchSize) {
      batches.add(new PackedBatch(rows.subList(start, Math.min(rows.size(), start + batchSize))));
    }
    hidden = new NDArray[batches.size()];
    manager = parent.newSubManager();
    try (NDManager weights = manager.newSubManager()) {
      NDArray embedding = model.embedding(weights);
      for (int b = 0; b < hidden.length; b++) {
        try (NDManager step = weights.newSubManager()) {
          hidden[b] = kept(model.embed(new BatchTensors(batches.get(b), step, config.intraDocumentMask()), embedding));
        }
      }
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  List<PackedBatch> batches() {
    return batches;
  }

  /** Reads the weights of the next layer, the one whose input the hidden states are. */
  Layer nextLayer() throws IOException {
    if (next == config.layers()) {
      throw new IllegalStateException("every layer has been passed");
    }
    NDManager weights = manager.newSubManager();
    try {
      return new Layer(next, model.block(next, weights), weights);
    } catch (IOException | RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /** A layer's output, detached from the pass (and its weights) and owned by this object. */
  private NDArray kept(NDArray output) {
    NDArray detached = output.stopGradient();
    detached.attach(manager);
    return detached;
  }

  final class Layer implements AutoCloseable {
    private final int index;
    private final Block block;
    private final NDManager weights;
    private boolean advanced;

    private Layer(int index, Block block, NDManager weights) {
      this.index = index;
      this.block = block;
      this.weights = weights;
    }

    /** Every batch through the layer, the consumer seeing its routing; the hidden states stay as they are. */
    void measure(ExpertRestriction restriction, LayerConsumer consumer) {
      run(restriction, consumer, false);
    }

    /** Every batch through the layer, whose outputs become the next layer's inputs: the last pass here. */
    void advance(ExpertRestriction restriction, LayerConsumer consumer) {
      run(restriction, consumer, true);
      advanced = true;
      next++;
    }

    /** @param consumer null when no one looks at the routing (no expert output norms are computed) */
    private void run(ExpertRestriction restriction, LayerConsumer consumer, boolean advance) {
      if (advanced) {
        throw new IllegalStateException("layer " + index + " has already passed its outputs on");
      }
      for (int b = 0; b < hidden.length; b++) {
        NDArray output;
        try (NDManager step = weights.newSubManager()) {
          // Borrowed for the step, so that everything computed from it lives (and dies) in the step.
          hidden[b].tempAttach(step);
          ForwardContext context = ForwardContext.forEvaluation(config, batches.get(b), step, restriction, consumer != null);
          NDArray y = model.forward(block, hidden[b], context);
          if (consumer != null) {
            consumer.accept(batches.get(b), context);
          }
          output = advance ? kept(y) : null;
        }
        if (advance) {
          hidden[b].close();
          hidden[b] = output;
        }
      }
    }

    @Override
    public void close() {
      weights.close();
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.emoflow.model.ModelConfig;

/**
 * The steps of {@link LanguageModel#hidden} taken one at a time, each with only its own weights read from
 * the source: the token embedding, then each block alone. A pass over a model too large to hold whole runs
 * its tokens through one block, frees it, and reads the next; the operations are those of the whole model.
 */
public final class BlockByBlock {
  private final ModelConfig config;
  private final WeightSource weights;
  private final Rotary rotary;

  public BlockByBlock(ModelConfig config, WeightSource weights) {
    this.config = config;
    this.weights = weights;
    this.rotary = new Rotary(config.headDim(), config.ropeTheta());
  }

  /** The embedding table [V, d], read into the manager. */
  public NDArray embedding(NDManager manager) throws IOException {
    return weights.load("embed.weight", new Shape(config.vocabSize(), config.dModel()), manager);
  }

  /** The batch's input to block 0, [B, L, d]. */
  public NDArray embed(BatchTensors batch, NDArray embedding) {
    return LanguageModel.embed(batch, embedding);
  }

  /** Block {@code layer}, its weights read into the manager: closing the manager frees them. */
  public Block block(int layer, NDManager manager) throws IOException {
    try {
      return LanguageModel.block(config, layer, new Parameters(manager, weights));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** x [B, L, d] through the block, without a cache. */
  public NDArray forward(Block block, NDArray x, ForwardContext context) {
    return block.forward(x, rotary.tables(context.batch.positions), context, null);
  }
}

package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.emoflow.model.ModelConfig;

/**
 * Decoder-only transformer whose every feed-forward is an MoE layer (or, for the dense baseline, one
 * FFN). Untied input and output embeddings; a final RMSNorm before the output projection.
 *
 * <p>Tensor names: {@code embed.weight}, {@code blocks.{l}.attn_norm.weight}, {@code
 * blocks.{l}.attn.{q,k,v,o}_proj.weight}, {@code blocks.{l}.ffn_norm.weight}, {@code
 * blocks.{l}.moe.router.weight} [E-1, d], {@code blocks.{l}.moe.experts.{i}.{gate,up,down}_proj.weight},
 * {@code blocks.{l}.moe.shared_expert.{gate,up,down}_proj.weight} (dense: {@code blocks.{l}.ffn.*}),
 * {@code final_norm.weight}, {@code lm_head.weight} [V, d].
 */
public final class LanguageModel implements AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final Parameters parameters;
  private final NDArray embedding;
  private final List<Block> blocks = new ArrayList<>();
  private final RmsNorm finalNorm;
  private final NDArray head;
  private final Rotary rotary;

  /** Builds the model with freshly initialised weights: normal(0, init_std), output projections scaled by 1/sqrt(2 layers). */
  public LanguageModel(ModelConfig config, NDManager parent, long seed) {
    this(config, parent.newSubManager(), manager -> new Parameters(manager, seed));
  }

  /**
   * Builds the model with every weight read from the source (nothing is initialised first). A tensor
   * the source cannot give fails the build; what was already read is released.
   */
  public static LanguageModel load(ModelConfig config, NDManager parent, WeightSource weights) throws IOException {
    NDManager manager = parent.newSubManager();
    try {
      return new LanguageModel(config, manager, owner -> new Parameters(owner, weights));
    } catch (UncheckedIOException e) {
      manager.close();
      throw e.getCause();
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Every parameter's name and shape in the order the model creates them, found by building the model's
   * structure over empty tensors: no weight is allocated.
   */
  public static Map<String, Shape> parameterShapes(ModelConfig config, NDManager parent) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    try (NDManager manager = parent.newSubManager()) {
      new LanguageModel(config, manager, owner -> new Parameters(owner, (name, shape, target) -> {
        shapes.put(name, shape);
        return target.zeros(new Shape(0));
      }));
    }
    return shapes;
  }

  private LanguageModel(ModelConfig config, NDManager manager, Function<NDManager, Parameters> parametersOf) {
    this.config = config;
    this.manager = manager;
    this.parameters = parametersOf.apply(manager);
    double std = config.initStd();
    int d = config.dModel();
    embedding = parameters.normal("embed.weight", new Shape(config.vocabSize(), d), std, false);
    for (int l = 0; l < config.layers(); l++) {
      blocks.add(block(config, l, parameters));
    }
    finalNorm = new RmsNorm(parameters, "final_norm", d, config.normEps());
    head = parameters.normal("lm_head.weight", new Shape(config.vocabSize(), d), std, true);
    rotary = new Rotary(config.headDim(), config.ropeTheta());
  }

  /** Block {@code layer} with its parameters created in (or read through) {@code parameters}. */
  static Block block(ModelConfig config, int layer, Parameters parameters) {
    double std = config.initStd();
    double outStd = std / Math.sqrt(2.0 * config.layers());
    int d = config.dModel();
    String name = "blocks." + layer;
    FeedForward feedForward = config.router().isMoe()
        ? new MoeLayer(parameters, name + ".moe", layer, config, std, outStd)
        : new DenseFeedForward(new SwiGlu(parameters, name + ".ffn", d, config.denseHidden(), std, outStd));
    return new Block(
        new RmsNorm(parameters, name + ".attn_norm", d, config.normEps()),
        new Attention(parameters, name + ".attn", d, config.heads(), std, outStd),
        new RmsNorm(parameters, name + ".ffn_norm", d, config.normEps()),
        feedForward);
  }

  public ModelConfig config() {
    return config;
  }

  public Parameters parameters() {
    return parameters;
  }

  public NDManager manager() {
    return manager;
  }

  /** The final normalised hidden states, [T, d]. */
  public NDArray hidden(ForwardContext context) {
    return hidden(context, null);
  }

  /**
   * As {@link #hidden(ForwardContext)}, the batch's tokens following the ones held in {@code cache} (null:
   * none), whose keys and values are appended to it.
   */
  public NDArray hidden(ForwardContext context, KvCache cache) {
    BatchTensors batch = context.batch;
    long b = batch.rows;
    long l = batch.length;
    NDArray x = embed(batch, embedding);
    Rotary.Tables tables = rotary.tables(batch.positions);
    for (int layer = 0; layer < blocks.size(); layer++) {
      x = blocks.get(layer).forward(x, tables, context, cache == null ? null : cache.layer(layer));
    }
    return finalNorm.forward(x).reshape(b * l, config.dModel());
  }

  /** The batch's token embeddings, [B, L, d]; embedding is [V, d]. */
  static NDArray embed(BatchTensors batch, NDArray embedding) {
    // torch.embedding, not an indexed read: its backward accumulates repeated ids deterministically.
    return batch.tokens.getNDArrayInternal().embedding(batch.tokens, embedding, SparseFormat.DENSE)
        .singletonOrThrow().reshape(batch.rows, batch.length, embedding.getShape().get(1));
  }

  /** [T, V]. */
  public NDArray logits(NDArray hidden) {
    return Linear.apply(hidden, head);
  }

  /** log p(target) for every token, [T]; 0 where the target is not scored. */
  public NDArray targetLogProbabilities(NDArray hidden, BatchTensors batch) {
    NDArray logProbabilities = logits(hidden).logSoftmax(-1);
    return logProbabilities.gather(batch.targets.expandDims(1), 1).squeeze(1).mul(batch.scored);
  }

  @Override
  public void close() {
    manager.close();
  }
}

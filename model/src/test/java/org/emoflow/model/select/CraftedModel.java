package org.emoflow.model.select;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestModels;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;

/**
 * A tiny MoE (7 routed experts, top-2, 2 layers; the standard router unless given another config) whose
 * routing is set by hand. Attention adds
 * nothing (zero output projections), the shared expert is silent and so is every routed expert until told
 * otherwise, so a layer's router sees the token's embedding plus what earlier layers' experts wrote.
 * Embeddings are unit vectors along "channels": dimensions that the routers read.
 */
final class CraftedModel {
  static final int SEQ_LEN = 16;

  private final LanguageModel model;
  private final ModelConfig config;
  private final int d;
  /** RMSNorm (weight 1) turns a unit vector into one of length sqrt(d). */
  private final double normalised;

  CraftedModel(NDManager manager) {
    this(manager, TestModels.tiny(RouterKind.STANDARD, SEQ_LEN));
  }

  CraftedModel(NDManager manager, ModelConfig config) {
    this.config = config;
    model = new LanguageModel(config, manager, 1);
    d = config.dModel();
    normalised = Math.sqrt(d);
    for (Parameters.Parameter p : model.parameters().all()) {
      String name = p.name();
      if (name.equals("embed.weight") || name.endsWith(".router.weight") || name.endsWith(".o_proj.weight")
          || name.endsWith(".down_proj.weight")) {
        edit(name, values -> Arrays.fill(values, 0f));
      }
    }
  }

  LanguageModel model() {
    return model;
  }

  /** Tokens [first, end) get a unit embedding along the channel. */
  CraftedModel channel(int first, int end, int channel) {
    edit("embed.weight", values -> {
      for (int token = first; token < end; token++) {
        Arrays.fill(values, token * d, (token + 1) * d, 0f);
        values[token * d + channel] = 1f;
      }
    });
    return this;
  }

  /** The layer's router gives a unit signal along the channel these logits, one per routed expert. */
  CraftedModel routerLogits(int layer, int channel, double... logits) {
    edit("blocks." + layer + ".moe.router.weight", values -> {
      for (int e = 0; e < logits.length; e++) {
        values[e * d + channel] = (float) (logits[e] / normalised);
      }
    });
    return this;
  }

  /**
   * The expert's output becomes scale * silu(s) * s along the channel, s the sum of its input: the same
   * norm for every token whose input is one normalised channel (about 31.9 x scale).
   */
  CraftedModel expertWrites(int layer, int expert, int channel, double scale) {
    String name = "blocks." + layer + ".moe.experts." + expert;
    int hidden = config.expertHidden();
    Consumer<float[]> sumInFirstUnit = values -> {
      Arrays.fill(values, 0f);
      Arrays.fill(values, 0, d, 1f);
    };
    edit(name + ".gate_proj.weight", sumInFirstUnit);
    edit(name + ".up_proj.weight", sumInFirstUnit);
    edit(name + ".down_proj.weight", values -> values[channel * hidden] = (float) scale);
    return this;
  }

  /** Seeded noise in the upper half of every embedding: the routers do not read it, but it varies each token's norm. */
  CraftedModel jitter(double amplitude, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    edit("embed.weight", values -> {
      for (int token = 0; token < config.vocabSize(); token++) {
        for (int i = d / 2; i < d; i++) {
          values[token * d + i] += (float) (amplitude * random.nextDouble(-1, 1));
        }
      }
    });
    return this;
  }

  private void edit(String name, Consumer<float[]> change) {
    NDArray parameter = model.parameters().get(name);
    float[] values = parameter.toFloatArray();
    change.accept(values);
    parameter.set(values);
  }
}

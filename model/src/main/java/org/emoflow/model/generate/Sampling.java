package org.emoflow.model.generate;

/**
 * How the next token is chosen from the logits: greedily (temperature 0), or drawn from softmax(logits /
 * temperature) restricted to its nucleus, the fewest most likely tokens whose probability reaches
 * {@code topP} (Holtzman et al. 2019). Draws come from a generator seeded by (seed, prompt index), so a
 * prompt's text does not depend on which others share its batch.
 */
public record Sampling(double temperature, double topP, long seed) {
  public static final Sampling GREEDY = new Sampling(0, 1, 0);

  public Sampling {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be 0 (greedy) or positive, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
  }

  public boolean greedy() {
    return temperature == 0;
  }
}

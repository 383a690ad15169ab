package org.emoflow.model.select;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How the routed experts kept per layer are chosen (spec section 6). */
public enum SelectionMethod {
  /** The paper's default: layer by layer, top by mean routed probability with the earlier layers restricted. */
  LAYERWISE,
  /** Per layer, top by mean routed probability of the unrestricted model. */
  GLOBAL,
  /** Per layer, the experts most often in a token's top-k. */
  FREQUENCY,
  /** Per layer, top by gate times the L2 norm of the expert's output (EASY-EP-like). */
  OUTPUT,
  /** Uniform per layer from a seeded generator: the control. */
  RANDOM;

  @JsonValue
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SelectionMethod parse(String value) {
    for (SelectionMethod method : values()) {
      if (method.id().equalsIgnoreCase(value)) {
        return method;
      }
    }
    throw new IllegalArgumentException(
        "unknown selection method '" + value + "', expected one of " + Arrays.toString(ids()));
  }

  public static String[] ids() {
    return Arrays.stream(values()).map(SelectionMethod::id).toArray(String[]::new);
  }
}

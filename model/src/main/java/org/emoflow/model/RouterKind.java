package org.emoflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How a token's feed-forward is computed. */
public enum RouterKind {
  /** Token-level top-k over all routed experts (the standard MoE baseline). */
  STANDARD,
  /** Top-k inside a per-document pool of experts (EMO). */
  EMO,
  /** One SwiGLU FFN sized to the MoE's active parameters, no routing. */
  DENSE;

  @JsonValue
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isMoe() {
    return this != DENSE;
  }

  @JsonCreator
  public static RouterKind parse(String value) {
    for (RouterKind kind : values()) {
      if (kind.id().equalsIgnoreCase(value)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown router '" + value + "', expected one of " + Arrays.toString(ids()));
  }

  public static String[] ids() {
    return Arrays.stream(values()).map(RouterKind::id).toArray(String[]::new);
  }
}

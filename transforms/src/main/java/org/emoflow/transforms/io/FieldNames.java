package org.emoflow.transforms.io;

import java.io.Serializable;

/**
 * Which fields hold a record's text, id and domain label. A name with dots ({@code metadata.domain})
 * is also looked up as a path into nested objects when no field has that exact name.
 */
public record FieldNames(String text, String id, String domain) implements Serializable {
  public static final String UNKNOWN_DOMAIN = "unknown";
}

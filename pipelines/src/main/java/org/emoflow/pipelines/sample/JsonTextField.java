package org.emoflow.pipelines.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/** Takes one string field of a JSON file, e.g. {@code licenseText} of an SPDX license entry. */
record JsonTextField(String field) implements TextConverter {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Optional<String> convert(String json) throws IOException {
    JsonNode value = JSON.readTree(json).get(field);
    if (value == null || !value.isTextual()) {
      throw new IOException("expected a JSON object with a string field \"" + field + "\"");
    }
    return Optional.of(value.textValue());
  }
}

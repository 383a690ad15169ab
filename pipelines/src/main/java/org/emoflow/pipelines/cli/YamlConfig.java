package org.emoflow.pipelines.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** YAML config files (snake_case keys) read strictly: an unknown key or a wrong type is refused by name and line. */
public final class YamlConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private YamlConfig() {}

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidOptionException("--config: cannot read " + file + " (" + e.getMessage() + ")");
    }
  }

  public static <T> T parse(Path file, String text, Class<T> type) {
    T config;
    try {
      config = YAML.readValue(text, type);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw new InvalidOptionException(file + ": unknown key '" + e.getPropertyName() + "'" + at(e.getLocation())
          + " (known here: " + known + ")");
    } catch (JsonProcessingException e) {
      throw new InvalidOptionException(file + ": " + e.getOriginalMessage() + at(e.getLocation()));
    }
    if (config == null) {
      throw new InvalidOptionException(file + " is empty");
    }
    return config;
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? "" : " at line " + location.getLineNr();
  }
}

package org.emoflow.pipelines.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    } catch (MismatchedInputException e) {
      throw new InvalidOptionException(file + ": " + mismatch(e) + at(e.getLocation()));
    } catch (JsonProcessingException e) {
      throw new InvalidOptionException(file + ": " + e.getOriginalMessage() + at(e.getLocation()));
    }
    if (config == null) {
      throw new InvalidOptionException(file + " is empty");
    }
    return config;
  }

  /** "prepare.seq_len: expected an integer, got 'abc'", or Jackson's words where the type has no simple name. */
  private static String mismatch(MismatchedInputException e) {
    String expected = e.getTargetType() == null ? null : ValueTypes.describe(e.getTargetType());
    if (e.getPath().isEmpty() || expected == null) {
      return e.getOriginalMessage();
    }
    String got = e instanceof InvalidFormatException invalid ? ", got '" + invalid.getValue() + "'" : "";
    return keyPath(e.getPath()) + ": expected " + expected + got;
  }

  /** The key as written in the file, with its parents: variants[1].training.steps. */
  private static String keyPath(List<JsonMappingException.Reference> path) {
    StringBuilder key = new StringBuilder();
    for (JsonMappingException.Reference step : path) {
      if (step.getFieldName() != null) {
        key.append(key.length() == 0 ? "" : ".").append(step.getFieldName());
      } else {
        key.append('[').append(step.getIndex()).append(']');
      }
    }
    return key.toString();
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? "" : " at line " + location.getLineNr();
  }
}

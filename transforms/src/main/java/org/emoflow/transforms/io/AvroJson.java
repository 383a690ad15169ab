package org.emoflow.transforms.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;

/** Avro records as indented JSON, for manifests people read: Avro's own rendering, re-indented. */
public final class AvroJson {
  private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AvroJson() {}

  public static String pretty(GenericContainer record) throws IOException {
    return INDENTED.writeValueAsString(INDENTED.readTree(GenericData.get().toString(record))) + "\n";
  }
}

package org.emoflow.pipelines;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, stamped into every manifest. */
public final class Version {
  private Version() {}

  public static String get() {
    Properties properties = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/emoflow.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return properties.getProperty("version", "unknown");
  }
}

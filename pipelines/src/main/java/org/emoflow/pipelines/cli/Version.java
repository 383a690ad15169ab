package org.emoflow.pipelines.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version and source revision, stamped into every manifest. */
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

  /** The source revision (git describe) the launcher found, or "unknown" (e.g. when run from a jar). */
  public static String source() {
    return System.getProperty("emoflow.source", "unknown");
  }
}

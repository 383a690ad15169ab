package org.emoflow.pipelines.run;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.emoflow.pipelines.Main;

/**
 * The class path for training processes: this JVM's, plus the location emoflow's own classes were
 * loaded from when that is not on it (a job jar on a Flink TaskManager is loaded by a user-code class
 * loader, not from java.class.path).
 */
final class ChildClasspath {
  private ChildClasspath() {}

  static String current() {
    String classpath = System.getProperty("java.class.path");
    try {
      String own = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      boolean present = Arrays.asList(classpath.split(File.pathSeparator)).contains(own);
      return present ? classpath : own + File.pathSeparator + classpath;
    } catch (URISyntaxException | RuntimeException e) {
      return classpath;
    }
  }
}

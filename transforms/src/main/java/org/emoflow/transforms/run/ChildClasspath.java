package org.emoflow.transforms.run;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path for training processes, worked out on the worker that launches them: this JVM's,
 * plus the location emoflow's own classes were loaded from when that is not on it (a job jar on a Flink TaskManager is loaded by a user-code class
 * loader, not from java.class.path). Entries are made absolute, so {@code java -jar emoflow.jar} (whose
 * class path is the jar as typed) hands its children the one jar, named so it holds in any directory.
 */
final class ChildClasspath {
  private ChildClasspath() {}

  static String current() {
    Path own;
    try {
      own = Path.of(ChildClasspath.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | RuntimeException e) {
      own = null;
    }
    return of(System.getProperty("java.class.path"), own, Path.of("").toAbsolutePath());
  }

  static String of(String classpath, Path own, Path workingDir) {
    List<String> entries = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        String absolute = workingDir.resolve(entry).normalize().toString();
        if (!entries.contains(absolute)) {
          entries.add(absolute);
        }
      }
    }
    if (own != null) {
      String ownEntry = workingDir.resolve(own).normalize().toString();
      if (!entries.contains(ownEntry)) {
        entries.add(0, ownEntry);
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}

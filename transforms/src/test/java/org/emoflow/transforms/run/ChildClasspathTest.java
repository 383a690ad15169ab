package org.emoflow.transforms.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ChildClasspathTest {
  private static final Path CWD = Path.of("/srv/emoflow");

  @Test
  void javaDashJarGivesTheChildTheOneJarByItsAbsolutePath() {
    assertEquals("/srv/emoflow/emoflow.jar",
        ChildClasspath.of("emoflow.jar", Path.of("/srv/emoflow/emoflow.jar"), CWD));
    assertEquals("/srv/emoflow/emoflow.jar",
        ChildClasspath.of("./lib/../emoflow.jar", Path.of("/srv/emoflow/emoflow.jar"), CWD));
  }

  @Test
  void ownLocationMissingFromTheClassPathComesFirst() {
    assertEquals("/job/emoflow.jar:/opt/flink/lib/flink-dist.jar:/srv/emoflow/conf",
        ChildClasspath.of("/opt/flink/lib/flink-dist.jar:conf", Path.of("/job/emoflow.jar"), CWD));
  }

  @Test
  void launcherClassPathIsKeptInOrderWithoutRepeats() {
    assertEquals("/w/pipelines/target/classes:/m2/a.jar:/m2/b.jar",
        ChildClasspath.of("/w/pipelines/target/classes:/m2/a.jar::/m2/b.jar:/m2/a.jar",
            Path.of("/w/pipelines/target/classes"), CWD));
    assertEquals("/m2/a.jar", ChildClasspath.of("/m2/a.jar", null, CWD));
  }
}

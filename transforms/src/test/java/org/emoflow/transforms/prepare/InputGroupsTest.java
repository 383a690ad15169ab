package org.emoflow.transforms.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input files dealt into read groups: each file once, groups of about equal bytes, whatever the order given. */
class InputGroupsTest {
  @TempDir Path directory;

  @Test
  void oneGroupPerFileUpTo64ThenAboutTwiceTheSquareRoot() {
    assertEquals(1, InputGroups.count(1));
    assertEquals(10, InputGroups.count(10));
    assertEquals(64, InputGroups.count(64));
    assertEquals(64, InputGroups.count(1_000));
    assertEquals(200, InputGroups.count(10_000));
    assertEquals(2_000, InputGroups.count(1_000_000));
  }

  @Test
  void everyFileLandsInExactlyOneGroupAndTheGroupsWeighAlike() throws IOException {
    Random random = new Random(5);
    List<String> files = new ArrayList<>();
    long largest = 0;
    for (int i = 0; i < 300; i++) {
      Path file = directory.resolve("f" + i + ".jsonl");
      int size = 1 + random.nextInt(20_000);
      Files.write(file, new byte[size]);
      files.add(file.toString());
      largest = Math.max(largest, size);
    }
    List<KV<Integer, String>> groups = InputGroups.of(files);
    assertEquals(files.size(), groups.size());
    assertEquals(distinct(files), distinct(groups.stream().map(KV::getValue).toList()));
    Map<Integer, Long> bytes = new TreeMap<>();
    for (KV<Integer, String> assigned : groups) {
      bytes.merge(assigned.getKey(), Files.size(Path.of(assigned.getValue())), Long::sum);
    }
    assertEquals(InputGroups.count(files.size()), bytes.size());
    long spread = Collections.max(bytes.values()) - Collections.min(bytes.values());
    assertTrue(spread <= largest, "groups differ by " + spread + " bytes, more than the largest file");

    List<String> shuffled = new ArrayList<>(files);
    Collections.shuffle(shuffled, new Random(6));
    assertEquals(groups, InputGroups.of(shuffled), "the grouping depends on the files, not their order");
  }

  private static Set<String> distinct(List<String> values) {
    Set<String> set = new TreeSet<>(values);
    assertEquals(values.size(), set.size(), "no file twice");
    return set;
  }
}

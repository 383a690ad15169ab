package org.emoflow.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongKeyedTableTest {
  /** Random puts and removes over few keys (long probe runs, many shifts) and growth past 65,536. */
  @Test
  void behavesLikeAHashMap() {
    Random random = new Random(11);
    LongKeyedTable<Long> table = new LongKeyedTable<>();
    Map<Long, Long> expected = new HashMap<>();
    for (int step = 0; step < 400_000; step++) {
      long key = step < 200_000 ? random.nextInt(5_000) : random.nextInt(150_000) * 0x1_0000_0000L;
      if (random.nextInt(3) == 0) {
        table.remove(key);
        expected.remove(key);
      } else {
        assertEquals(expected.computeIfAbsent(key, k -> k + 1), table.computeIfAbsent(key, () -> key + 1));
      }
      long probe = random.nextInt(5_000);
      assertEquals(expected.get(probe), table.get(probe));
    }
    for (Map.Entry<Long, Long> entry : expected.entrySet()) {
      assertEquals(entry.getValue(), table.get(entry.getKey()));
    }
  }
}

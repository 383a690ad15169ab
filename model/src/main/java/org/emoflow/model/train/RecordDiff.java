package org.emoflow.model.train;

import java.lang.reflect.RecordComponent;
import java.util.Objects;

/** Names the components in which two records of one type differ, for "settings changed" messages. */
final class RecordDiff {
  private RecordDiff() {}

  static String describe(Record saved, Record requested) {
    StringBuilder out = new StringBuilder();
    for (RecordComponent component : saved.getClass().getRecordComponents()) {
      try {
        Object before = component.getAccessor().invoke(saved);
        Object now = component.getAccessor().invoke(requested);
        if (!Objects.equals(before, now)) {
          out.append(component.getName()).append(": ").append(before).append(" -> ").append(now).append("; ");
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toString();
  }
}

package org.emoflow.transforms.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.emoflow.model.select.SelectionMethod;
import org.junit.jupiter.api.Test;

/** The grid expansion alone: no checkpoint is read, the cells are counted against hand-worked numbers. */
class SweepGridTest {
  private static final SweepCheckpoint EMO = new SweepCheckpoint("emo", "/c/emo", "f1", "emo", 100, 8, 2, "/d");
  private static final SweepCheckpoint DENSE = new SweepCheckpoint("dense", "/c/dense", "f2", "dense", 100, 1, 1, "/d");
  private static final SweepTask X = SweepTask.domain("x", "x");
  private static final SweepTask Y = SweepTask.domain("y", "y");
  private static final SweepTask QUIZ = SweepTask.multipleChoice("quiz", "/t/quiz.jsonl", "/t/quiz.jsonl");
  private static final SweepTask XY = SweepTask.compose("xy", List.of(X, Y));

  /** random and layerwise, K in {2, 4}, calibration 8 and all, seeds 1..3, fine-tune 0 and 5 steps. */
  private static final SweepGrid GRID = new SweepGrid(List.of(SelectionMethod.RANDOM, SelectionMethod.LAYERWISE),
      List.of(2, 4), Arrays.asList(8, null), List.of(1L, 2L, 3L), List.of(0, 5));

  private static List<Cell> cells(List<CellGroup> groups) {
    return groups.stream().flatMap(group -> group.cells().stream()).toList();
  }

  @Test
  void cellsPerCheckpointAndTaskAreTheHandCountedProducts() {
    List<CellGroup> groups = GRID.expand(List.of(EMO, DENSE), List.of(X, Y, QUIZ, XY));
    Map<String, Long> perPair = cells(groups).stream()
        .collect(Collectors.groupingBy(cell -> cell.checkpoint().name() + "/" + cell.task().name(),
            Collectors.counting()));
    // A domain: full 1 + random 2 K x 3 seeds x 2 steps + layerwise 2 sizes x 2 K x 2 steps = 1 + 12 + 8.
    assertEquals(21L, perPair.get("emo/x"));
    assertEquals(21L, perPair.get("emo/y"));
    // A task file has no documents to fine-tune on: 1 + 2 x 3 + 2 x 2.
    assertEquals(11L, perPair.get("emo/quiz"));
    // A composition of domains: no full-model cell, 12 + 8.
    assertEquals(20L, perPair.get("emo/xy"));
    // Dense: the full model only, and no composition.
    assertEquals(1L, perPair.get("dense/x"));
    assertEquals(1L, perPair.get("dense/quiz"));
    assertEquals(null, perPair.get("dense/xy"));
    assertEquals(76, cells(groups).size());
    // EMO: per task one uncalibrated group and one per calibration size; dense: one per non-composed task.
    assertEquals(4 * 3 + 3, groups.size());
    Set<String> ids = cells(groups).stream().map(Cell::id).collect(Collectors.toSet());
    assertEquals(76, ids.size(), "every cell is a distinct coordinate");
  }

  @Test
  void seedsMultiplyOnlyTheRandomControlAndGroupsShareTheirCalibration() {
    List<CellGroup> groups = GRID.expand(List.of(EMO), List.of(X));
    assertEquals(List.of(false, true, true), groups.stream().map(CellGroup::calibrated).toList());
    assertEquals(Arrays.asList(null, 8, null), groups.stream().map(CellGroup::calibrationDocs).toList());
    Cell full = groups.get(0).cells().get(0);
    assertEquals(Cell.FULL, full.method());
    assertEquals(8, full.keepExperts());
    assertEquals(1L, full.seed());
    Map<String, Set<Long>> seedsByMethod = cells(groups).stream().collect(Collectors.groupingBy(Cell::method,
        Collectors.mapping(Cell::seed, Collectors.toSet())));
    assertEquals(Set.of(1L, 2L, 3L), seedsByMethod.get("random"));
    assertEquals(Set.of(1L), seedsByMethod.get("layerwise"));
    for (CellGroup group : groups.subList(1, 3)) {
      assertTrue(group.cells().stream().allMatch(cell -> Objects.equals(cell.calibrationDocs(), group.calibrationDocs())));
    }
  }

  @Test
  void onlyTasksWithDomainsAreFineTuned() {
    Function<SweepTask, Set<Integer>> steps = task -> cells(GRID.expand(List.of(EMO), List.of(X, QUIZ, XY))).stream()
        .filter(cell -> cell.task() == task).map(Cell::finetuneSteps).collect(Collectors.toCollection(HashSet::new));
    assertEquals(Set.of(0, 5), steps.apply(X));
    assertEquals(Set.of(0, 5), steps.apply(XY));
    assertEquals(Set.of(0), steps.apply(QUIZ));
  }

  @Test
  void withoutACalibratedMethodThereAreNoCalibratedGroups() {
    SweepGrid randomOnly = new SweepGrid(List.of(SelectionMethod.RANDOM), List.of(4), Arrays.asList((Integer) null),
        List.of(7L), List.of(0));
    List<CellGroup> groups = randomOnly.expand(List.of(EMO), List.of(X));
    assertEquals(1, groups.size());
    assertEquals(List.of("full", "random"), groups.get(0).cells().stream().map(Cell::method).toList());
    SweepGrid fullOnly = new SweepGrid(List.of(), List.of(), Arrays.asList((Integer) null), List.of(7L), List.of(0));
    assertEquals(1, cells(fullOnly.expand(List.of(EMO, DENSE), List.of(X, XY))).stream()
        .filter(cell -> cell.checkpoint() == EMO).count());
  }

  @Test
  void anAxisThatWouldEmptyTheGridIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new SweepGrid(List.of(), List.of(), Arrays.asList((Integer) null), List.of(), List.of(0)));
  }
}

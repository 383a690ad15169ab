package org.emoflow.pipelines.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.emoflow.pipelines.cli.ExitCodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./emoflow report}: the summary's tables hold the hand-computed numbers, the pictures show the data. */
class ReportCommandTest {
  private static final Color EMO = new Color(0x1F, 0x77, 0xB4);
  private static final Color STANDARD = new Color(0xFF, 0x7F, 0x0E);

  @TempDir static Path work;
  static Path results;
  static Path report;
  static Invocation written;

  @BeforeAll
  static void writeReport() throws IOException {
    results = work.resolve("results");
    ResultFixtures.write(results);
    report = work.resolve("report");
    written = Invocation.of("report", "--results=" + results, "--output=" + report, "--run-id=r1");
  }

  @Test
  void theSummaryTablesHoldTheHandComputedNumbers() throws IOException {
    assertEquals(ExitCodes.OK, written.status(), written.err());
    String md = Files.readString(report.resolve("report.md"));
    assertTrue(md.contains("32 cells (1 failed) of runs r1: 4 checkpoints; tasks both, code, prose, quiz"), md);

    // EMO vs standard (layerwise, LM tasks of r1): see QueryCommandTest for the arithmetic.
    List<Map<String, String>> routers = table(md, "## EMO vs standard");
    assertEquals(3, routers.size());
    double[][] expected = {{0.375, 0.15, 0.5}, {0.625, 0.05, 0.2}, {1.0, 0, 0}};
    for (int r = 0; r < expected.length; r++) {
      assertEquals(expected[r][0], Double.parseDouble(routers.get(r).get("keep_fraction")), 1e-9);
      assertEquals(expected[r][1], Double.parseDouble(routers.get(r).get("emo")), 1e-5);
      assertEquals(expected[r][2], Double.parseDouble(routers.get(r).get("standard")), 1e-5);
    }

    List<Map<String, String>> best = table(md, "## Best selection method");
    assertEquals(10, best.size());
    Map<String, String> standardProse3 = only(best, "task", "prose", "router", "standard", "keep_experts", "3");
    assertEquals("random", standardProse3.get("best_method"));
    assertEquals(0.4, Double.parseDouble(standardProse3.get("relative_loss_increase")), 1e-5);

    List<Map<String, String>> relative = table(md, "## Relative loss increase vs the full model");
    assertEquals(18, relative.size(), "r1's pruned (checkpoint, task, method, K): 2 x 2 x 2 x 2 LM + 2 quiz");
    Map<String, String> emoProseRandom3 = only(relative, "router", "emo", "task", "prose", "method", "random",
        "keep_experts", "3");
    assertEquals("2", emoProseRandom3.get("cells"), "two seeds");
    assertEquals(2.6, Double.parseDouble(emoProseRandom3.get("loss")), 1e-5);
    assertEquals(0.3, Double.parseDouble(emoProseRandom3.get("relative_loss_increase")), 1e-5);
    Map<String, String> quiz = only(relative, "router", "standard", "task", "quiz", "method", "layerwise",
        "keep_experts", "3");
    assertEquals(0.2, Double.parseDouble(quiz.get("relative_loss_increase")), 1e-5);
    assertEquals(0.5, Double.parseDouble(quiz.get("accuracy")), 1e-9);

    List<Map<String, String>> failed = table(md, "## Failed cells");
    assertEquals("java.lang.OutOfMemoryError: Java heap space", failed.get(0).get("error"));
    List<Map<String, String>> specialisation = table(md, "## Specialisation");
    Map<String, String> emo = only(specialisation, "router", "emo");
    assertEquals(0.75, Double.parseDouble(emo.get("cluster_purity")), 1e-9);
    assertEquals(0.7, Double.parseDouble(emo.get("top_quarter_share")), 1e-9);
  }

  @Test
  void everyLinkedPictureIsThereAndNothingElse() throws IOException {
    String md = Files.readString(report.resolve("report.md"));
    Set<String> linked = Arrays.stream(md.split("\\]\\(")).skip(1).map(s -> s.substring(0, s.indexOf(')')))
        .collect(Collectors.toSet());
    Set<String> files;
    try (Stream<Path> list = Files.list(report)) {
      files = list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    assertEquals(Set.of("relative-loss.png", "relative-loss-prose.png", "relative-loss-code.png",
        "relative-loss-quiz.png", "routing-emo-checkpoints-step-00000100.png",
        "routing-standard-checkpoints-step-00000100.png"), linked);
    Set<String> expectedFiles = new java.util.HashSet<>(linked);
    expectedFiles.add("report.md");
    assertEquals(expectedFiles, files);
    try (Stream<Path> siblings = Files.list(work)) {
      assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith("_")), "no temporaries left");
    }
  }

  @Test
  void theLinePlotDrawsOneLinePerRouterKind() throws IOException {
    BufferedImage plot = ImageIO.read(report.resolve("relative-loss.png").toFile());
    assertEquals(LinePlot.WIDTH, plot.getWidth());
    assertEquals(LinePlot.HEIGHT, plot.getHeight());
    Map<Integer, Integer> counts = colourCounts(plot);
    assertTrue(counts.getOrDefault(EMO.getRGB(), 0) > 300, "the EMO line, " + counts.get(EMO.getRGB()) + " pixels");
    assertTrue(counts.getOrDefault(STANDARD.getRGB(), 0) > 300, "the standard line");
    // The standard line climbs to 50% at 37.5% of the experts, EMO's only to 15%: in the left half (the
    // legend is on the right) standard's colour reaches far higher in the picture than EMO's.
    assertTrue(highest(plot, STANDARD) + 200 < highest(plot, EMO), "standard's worst point is above EMO's");
  }

  @Test
  void theHeatmapShowsEachDomainsExpertsDarkest() throws IOException {
    BufferedImage emo = ImageIO.read(report.resolve("routing-emo-checkpoints-step-00000100.png").toFile());
    BufferedImage standard = ImageIO.read(report.resolve("routing-standard-checkpoints-step-00000100.png").toFile());
    assertEquals(emo.getHeight(), standard.getHeight(), "same layout: 2 layers x 2 domains x 7 experts");
    assertTrue(emo.getWidth() >= 400 && emo.getHeight() >= 250, emo.getWidth() + "x" + emo.getHeight());
    // One scale for both: EMO's largest share (0.6) is its top. EMO has 2 cells at the top and 14 at 0; the
    // standard router's even 1/7 is pale, the same colour in all its 28 cells, and neither top nor 0 (the
    // colour bar holds a few pixels of each). A cell is 44 x 24 pixels with a number in it.
    int cell = 30 * 20;
    int top = Heatmap.colour(1).getRGB();
    int zero = Heatmap.colour(0).getRGB();
    int even = Heatmap.colour(1.0 / 7 / 0.6).getRGB();
    Map<Integer, Integer> emoColours = colourCounts(emo);
    Map<Integer, Integer> standardColours = colourCounts(standard);
    assertTrue(emoColours.getOrDefault(top, 0) > 2 * cell, "2 cells (one per layer) at 0.6");
    assertTrue(emoColours.getOrDefault(zero, 0) > 14 * cell, "the zero-share cells");
    assertTrue(standardColours.getOrDefault(top, 0) < 50 && standardColours.getOrDefault(zero, 0) < 50,
        "no expert of the standard router is idle or dominant");
    assertTrue(standardColours.getOrDefault(even, 0) > 28 * cell, "28 cells at 1/7");
  }

  @Test
  void aSecondReportReplacesTheFirstAndOtherDirectoriesAreRefused() throws IOException {
    Path again = work.resolve("again");
    assertEquals(ExitCodes.OK, Invocation.of("report", "--results=" + results, "--output=" + again).status());
    String first = Files.readString(again.resolve("report.md"));
    assertTrue(first.contains("of runs r1, r2"), "every run without --run-id");
    Invocation second = Invocation.of("report", "--results=" + results, "--output=" + again, "--method=random");
    assertEquals(ExitCodes.OK, second.status(), second.err());
    assertTrue(Files.readString(again.resolve("report.md")).contains("(method random, LM tasks)"));

    Path precious = Files.createDirectories(work.resolve("precious"));
    Files.writeString(precious.resolve("notes.txt"), "keep me");
    Invocation refused = Invocation.of("report", "--results=" + results, "--output=" + precious);
    assertEquals(ExitCodes.BAD_OPTION, refused.status());
    assertTrue(refused.err().contains("--output: ") && refused.err().contains("is not an earlier report"),
        refused.err());
    assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
    Invocation method = Invocation.of("report", "--results=" + results, "--output=" + again, "--method=best");
    assertEquals(ExitCodes.BAD_OPTION, method.status());
    assertTrue(method.err().contains("--method: unknown selection method 'best'"), method.err());
  }

  /** The rows of the first Markdown table after the heading that starts with {@code heading}. */
  private static List<Map<String, String>> table(String md, String heading) {
    int at = md.indexOf(heading);
    assertTrue(at >= 0, heading);
    List<String> lines = md.substring(at).lines().dropWhile(l -> !l.startsWith("|"))
        .takeWhile(l -> l.startsWith("|")).toList();
    List<String> columns = cells(lines.get(0));
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(2, lines.size())) {
      List<String> cells = cells(line);
      Map<String, String> row = new HashMap<>();
      for (int c = 0; c < columns.size(); c++) {
        row.put(columns.get(c), cells.get(c));
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<String> cells(String line) {
    return Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::strip).toList();
  }

  private static Map<String, String> only(List<Map<String, String>> rows, String... keyValues) {
    List<Map<String, String>> matching = rows.stream().filter(row -> {
      for (int i = 0; i < keyValues.length; i += 2) {
        if (!keyValues[i + 1].equals(row.get(keyValues[i]))) {
          return false;
        }
      }
      return true;
    }).toList();
    assertEquals(1, matching.size(), Arrays.toString(keyValues) + " in " + rows);
    return matching.get(0);
  }

  private static Map<Integer, Integer> colourCounts(BufferedImage image) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        counts.merge(image.getRGB(x, y), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The smallest y (the highest point) at which the colour appears in the left half. */
  private static int highest(BufferedImage image, Color colour) {
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth() / 2; x++) {
        if (image.getRGB(x, y) == colour.getRGB()) {
          return y;
        }
      }
    }
    return Integer.MAX_VALUE;
  }
}

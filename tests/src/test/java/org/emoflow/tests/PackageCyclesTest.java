package org.emoflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No two org.emoflow packages of the scanned source trees depend on each other, directly or through others:
 * dependencies point one way, so a package can be understood and changed without the ones above it. A
 * package depends on another when it imports one of its classes or names one fully qualified, as
 * /work/helpers/pkgcycles.py counts them.
 */
class PackageCyclesTest {
  /** The source trees checked, relative to the repository root. */
  static final List<String> ROOTS =
      List.of("model/src/main/java", "transforms/src/main/java", "pipelines/src/main/java");
  /** Comments and string literals name classes without depending on them. */
  private static final Pattern NOT_CODE = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\\\n])*\"",
      Pattern.DOTALL);

  @Test
  void noPackageCycles() {
    Map<String, Map<String, Set<String>>> graph = scan(repositoryRoot(), ROOTS);
    // A wrong root would find nothing and pass: the scan must see the packages that once formed cycles.
    assertTrue(graph.keySet().containsAll(List.of("org.emoflow.model.checkpoint", "org.emoflow.model.train",
        "org.emoflow.model.data.packing", "org.emoflow.transforms.io", "org.emoflow.transforms.prepare",
        "org.emoflow.pipelines", "org.emoflow.pipelines.run", "org.emoflow.pipelines.prepare")),
        "scanned packages: " + graph.keySet());
    List<List<String>> cycles = cycles(graph);
    assertTrue(cycles.isEmpty(), () -> describe(cycles, graph));
  }

  @Test
  void findsCyclesMadeByImportsStaticImportsAndQualifiedNames(@TempDir Path root) throws IOException {
    write(root, "a/src/main/java/org/emoflow/x/A.java", "package org.emoflow.x;\n"
        + "import org.emoflow.x.y.B;\nclass A {}\n");
    write(root, "a/src/main/java/org/emoflow/x/y/B.java", "package org.emoflow.x.y;\n"
        + "class B { Object c = org.emoflow.z.C.make(); }\n");
    write(root, "b/src/main/java/org/emoflow/z/C.java", "package org.emoflow.z;\n"
        + "import static org.emoflow.x.A.VALUE;\nclass C {}\n");
    // Depends on the cycle without being part of it; a package outside the trees is no dependency, nor is a
    // class named in a comment or a string.
    write(root, "b/src/main/java/org/emoflow/w/D.java", "package org.emoflow.w;\n"
        + "import org.emoflow.x.A;\nimport org.emoflow.elsewhere.E;\n/** {@link org.emoflow.z.C} */\n"
        + "class D { String main = \"org.emoflow.x.y.B\"; // org.emoflow.z.C\n}\n");

    Map<String, Map<String, Set<String>>> graph = scan(root, List.of("a/src/main/java", "b/src/main/java"));
    List<List<String>> cycles = cycles(graph);

    assertEquals(List.of(List.of("org.emoflow.x", "org.emoflow.x.y", "org.emoflow.z")), cycles);
    assertEquals(Map.of("org.emoflow.x", Set.of("b/src/main/java/org/emoflow/w/D.java")), graph.get("org.emoflow.w"));
    String report = describe(cycles, graph);
    assertTrue(report.contains("org.emoflow.z -> org.emoflow.x (b/src/main/java/org/emoflow/z/C.java)"), report);
  }

  /** Per package of the trees, the packages of the trees it depends on and the files that make each edge. */
  static Map<String, Map<String, Set<String>>> scan(Path root, List<String> trees) {
    Pattern declared = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    Pattern named = Pattern.compile("\\b(org\\.emoflow(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    Map<String, Map<String, Set<String>>> references = new TreeMap<>();
    for (String tree : trees) {
      try (Stream<Path> files = Files.walk(root.resolve(tree))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
          String text = NOT_CODE.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll("");
          Matcher pkg = declared.matcher(text);
          if (!pkg.find()) {
            continue;
          }
          Map<String, Set<String>> edges = references.computeIfAbsent(pkg.group(1), p -> new TreeMap<>());
          Matcher name = named.matcher(text);
          while (name.find()) {
            if (!name.group(1).equals(pkg.group(1))) {
              edges.computeIfAbsent(name.group(1), p -> new TreeSet<>()).add(root.relativize(file).toString());
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    references.values().forEach(edges -> edges.keySet().retainAll(references.keySet()));
    return references;
  }

  /** The strongly connected components of more than one package (Tarjan), each sorted, in package order. */
  static List<List<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    List<List<String>> cycles = new ArrayList<>();
    for (String start : graph.keySet()) {
      if (!index.containsKey(start)) {
        connect(start, graph, index, low, stack, cycles);
      }
    }
    cycles.sort((a, b) -> a.get(0).compareTo(b.get(0)));
    return cycles;
  }

  private static void connect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, List<List<String>> cycles) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.push(v);
    for (String w : graph.get(v).keySet()) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, cycles);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> component = new ArrayList<>();
      String w;
      do {
        w = stack.pop();
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        component.sort(null);
        cycles.add(component);
      }
    }
  }

  /** Each cycle with the edges inside it and the files that make them: the ones to move or change. */
  static String describe(List<List<String>> cycles, Map<String, Map<String, Set<String>>> graph) {
    StringBuilder out = new StringBuilder(cycles.size() + " package cycle(s):\n");
    for (List<String> cycle : cycles) {
      out.append("cycle: ").append(String.join(" <-> ", cycle)).append('\n');
      for (String from : cycle) {
        graph.get(from).forEach((to, files) -> {
          if (cycle.contains(to)) {
            out.append("  ").append(from).append(" -> ").append(to)
                .append(" (").append(String.join(", ", files)).append(")\n");
          }
        });
      }
    }
    return out.toString();
  }

  /** Tests run in the tests module's directory; the repository root is the first parent holding the trees. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (holdsAllRoots(dir)) {
        return dir;
      }
    }
    throw new IllegalStateException("no parent of " + Path.of("").toAbsolutePath() + " holds " + ROOTS);
  }

  private static boolean holdsAllRoots(Path dir) {
    return ROOTS.stream().allMatch(tree -> Files.isDirectory(dir.resolve(tree)));
  }

  private static void write(Path root, String file, String text) throws IOException {
    Files.createDirectories(root.resolve(file).getParent());
    Files.writeString(root.resolve(file), text, StandardCharsets.UTF_8);
  }
}

package org.emoflow.pipelines.cli;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;

/** Parses one command's arguments into its options interface and prints its help. */
public final class CommandLine {
  private CommandLine() {}

  public static boolean wantsHelp(String[] args) {
    return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
  }

  /**
   * Beam's parser plus two conveniences: kebab-case names, and {@code --name value} with a space. Any
   * failure becomes one {@link InvalidOptionException} line that names the option.
   */
  public static <O extends PipelineOptions> O parse(String[] args, Class<O> optionsClass) {
    return parse(args, optionsClass, null);
  }

  /** @param positional the property one argument without --name fills, or null to refuse such arguments */
  public static <O extends PipelineOptions> O parse(String[] args, Class<O> optionsClass, String positional) {
    Map<String, Class<?>> declared = declaredProperties(optionsClass);
    List<String> normalized = new ArrayList<>();
    boolean positionalGiven = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") && positional != null && !positionalGiven) {
        normalized.add("--" + positional + "=" + arg);
        positionalGiven = true;
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new InvalidOptionException(
            "unexpected argument '" + arg + "': options take the form --name=value");
      }
      int eq = arg.indexOf('=');
      String name = OptionNames.toCamel(arg.substring(2, eq < 0 ? arg.length() : eq));
      if (eq >= 0) {
        normalized.add("--" + name + arg.substring(eq));
        continue;
      }
      Class<?> type = declared.get(name);
      boolean flag = type == boolean.class || type == Boolean.class;
      if (!flag && i + 1 < args.length && !args[i + 1].startsWith("--")) {
        normalized.add("--" + name + "=" + args[++i]);
      } else {
        normalized.add("--" + name);
      }
    }
    checkValueTypes(normalized, optionsClass);
    try {
      PipelineOptionsFactory.register(optionsClass);
      return PipelineOptionsFactory.fromArgs(normalized.toArray(String[]::new))
          .withValidation()
          .as(optionsClass);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidOptionException(oneLine(e.getMessage()));
    }
  }

  /** Beam's own message for a value of the wrong type names neither the option nor the value. */
  private static void checkValueTypes(List<String> normalized, Class<?> optionsClass) {
    Map<String, Class<?>> types = new LinkedHashMap<>();
    for (Method method : optionsClass.getMethods()) {
      String property = OptionNames.propertyOf(method);
      if (property != null) {
        types.putIfAbsent(property, method.getReturnType());
      }
    }
    for (String arg : normalized) {
      int eq = arg.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String property = arg.substring(2, eq);
      String value = arg.substring(eq + 1);
      Class<?> type = types.get(property);
      if (type != null && !ValueTypes.accepts(type, value)) {
        throw InvalidOptionException.of(property, "expected " + ValueTypes.describe(type) + ", got '" + value + "'");
      }
    }
  }

  private static String oneLine(String message) {
    if (message == null) {
      return "invalid options";
    }
    String first = message.strip().split("\\R", 2)[0];
    // Beam words unknown options as "Class interface X missing a property named 'foo'".
    java.util.regex.Matcher unknown =
        java.util.regex.Pattern.compile("missing a property named '([^']+)'").matcher(first);
    if (unknown.find()) {
      return "unknown option --" + OptionNames.toKebab(unknown.group(1));
    }
    java.util.regex.Matcher required =
        java.util.regex.Pattern.compile("Missing required value for \\[--(\\w+)").matcher(first);
    if (required.find()) {
      return "--" + OptionNames.toKebab(required.group(1)) + " is required";
    }
    return first;
  }

  /** Properties declared by the command's own interfaces (not Beam's), in declaration order. */
  static Map<String, Class<?>> declaredProperties(Class<?> optionsClass) {
    Map<String, Class<?>> properties = new LinkedHashMap<>();
    for (Class<?> iface : ownInterfaces(optionsClass)) {
      for (Method method : iface.getDeclaredMethods()) {
        String property = OptionNames.propertyOf(method);
        if (property != null) {
          properties.putIfAbsent(property, method.getReturnType());
        }
      }
    }
    return properties;
  }

  private static List<Class<?>> ownInterfaces(Class<?> optionsClass) {
    List<Class<?>> result = new ArrayList<>();
    collect(optionsClass, result);
    return result;
  }

  private static void collect(Class<?> iface, List<Class<?>> into) {
    if (!iface.getName().startsWith("org.emoflow.") || into.contains(iface)) {
      return;
    }
    into.add(iface);
    for (Class<?> parent : iface.getInterfaces()) {
      collect(parent, into);
    }
  }

  public static void printHelp(Command<?> command, PrintStream out) {
    String positional = command.positionalOption();
    out.println("usage: ./emoflow " + command.name() + " [--name=value ...]"
        + (positional == null ? "" : " [" + OptionNames.toKebab(positional).toUpperCase(java.util.Locale.ROOT) + "]"));
    out.println();
    out.println(command.summary());
    out.println();
    out.println("Options:");
    for (Class<?> iface : ownInterfaces(command.optionsClass())) {
      Method[] methods = iface.getDeclaredMethods();
      Arrays.sort(methods, Comparator.comparing(Method::getName));
      for (Method method : methods) {
        String property = OptionNames.propertyOf(method);
        if (property == null) {
          continue;
        }
        StringBuilder line = new StringBuilder("  --").append(OptionNames.toKebab(property));
        line.append("=<").append(method.getReturnType().getSimpleName()).append('>');
        if (method.isAnnotationPresent(Validation.Required.class)) {
          line.append("  (required)");
        }
        String defaultValue = defaultOf(method);
        if (defaultValue != null) {
          line.append("  (default: ").append(defaultValue).append(')');
        }
        out.println(line);
        Description description = method.getAnnotation(Description.class);
        if (description != null) {
          out.println("      " + description.value());
        }
      }
    }
    out.println();
    out.println("Names may be written --seq-len or --seqLen, and --name value or --name=value.");
    out.println(
        "Beam runner options pass through, e.g. --runner=FlinkRunner --flinkMaster=[local]"
            + " --parallelism=2 (default: DirectRunner).");
  }

  private static String defaultOf(Method method) {
    if (method.isAnnotationPresent(Default.Integer.class)) {
      return String.valueOf(method.getAnnotation(Default.Integer.class).value());
    }
    if (method.isAnnotationPresent(Default.Long.class)) {
      return String.valueOf(method.getAnnotation(Default.Long.class).value());
    }
    if (method.isAnnotationPresent(Default.Double.class)) {
      return String.valueOf(method.getAnnotation(Default.Double.class).value());
    }
    if (method.isAnnotationPresent(Default.Float.class)) {
      return String.valueOf(method.getAnnotation(Default.Float.class).value());
    }
    if (method.isAnnotationPresent(Default.Boolean.class)) {
      return String.valueOf(method.getAnnotation(Default.Boolean.class).value());
    }
    if (method.isAnnotationPresent(Default.String.class)) {
      return method.getAnnotation(Default.String.class).value();
    }
    if (method.isAnnotationPresent(Default.Enum.class)) {
      return method.getAnnotation(Default.Enum.class).value();
    }
    return null;
  }
}

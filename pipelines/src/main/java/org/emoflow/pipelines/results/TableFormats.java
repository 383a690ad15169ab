package org.emoflow.pipelines.results;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Query results as an aligned text table, CSV, JSON or a Markdown table. Text and Markdown round
 * floating-point values to 6 significant digits for reading; CSV and JSON keep every digit.
 */
public final class TableFormats {
  public static final List<String> NAMES = List.of("text", "csv", "json");

  private TableFormats() {}

  public static void print(String format, ResultRows result, PrintStream out) {
    switch (format) {
      case "text" -> text(result, out);
      case "csv" -> csv(result, out);
      case "json" -> json(result, out);
      default -> throw new IllegalArgumentException("unknown format '" + format + "', expected one of " + NAMES);
    }
  }

  /** Columns two spaces apart under a dashed rule, numbers right-aligned, then the row count. */
  public static void text(ResultRows result, PrintStream out) {
    List<List<String>> cells = cells(result, "NULL");
    int[] widths = widths(result.columns(), cells);
    boolean[] numeric = numericColumns(result);
    List<String> header = new ArrayList<>();
    List<String> rule = new ArrayList<>();
    for (int c = 0; c < widths.length; c++) {
      header.add(pad(result.columns().get(c), widths[c], numeric[c]));
      rule.add("-".repeat(widths[c]));
    }
    out.println(String.join("  ", header).stripTrailing());
    out.println(String.join("  ", rule));
    for (List<String> row : cells) {
      List<String> padded = new ArrayList<>();
      for (int c = 0; c < widths.length; c++) {
        padded.add(pad(row.get(c), widths[c], numeric[c]));
      }
      out.println(String.join("  ", padded).stripTrailing());
    }
    out.println("(" + result.size() + (result.size() == 1 ? " row)" : " rows)"));
  }

  /** A GitHub-flavoured Markdown table; NULL cells are empty. */
  public static String markdown(ResultRows result) {
    List<List<String>> cells = cells(result, "");
    boolean[] numeric = numericColumns(result);
    StringBuilder table = new StringBuilder();
    table.append("| ").append(String.join(" | ", result.columns())).append(" |\n|");
    for (boolean right : numeric) {
      table.append(right ? " ---: |" : " --- |");
    }
    table.append('\n');
    for (List<String> row : cells) {
      table.append("| ").append(row.stream().map(cell -> cell.replace("|", "\\|")).collect(Collectors.joining(" | ")))
          .append(" |\n");
    }
    return table.toString();
  }

  /** RFC 4180: a header line, fields quoted when they hold a comma, quote or line break; NULL is empty. */
  public static void csv(ResultRows result, PrintStream out) {
    out.println(result.columns().stream().map(TableFormats::csvField).collect(Collectors.joining(",")));
    for (List<Object> row : result.rows()) {
      out.println(row.stream().map(value -> value == null ? "" : csvField(exact(value)))
          .collect(Collectors.joining(",")));
    }
  }

  private static String csvField(String value) {
    if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }

  /** An array of one object per row, keys in column order; lists stay JSON arrays. */
  public static void json(ResultRows result, PrintStream out) {
    try {
      JsonGenerator json = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter();
      json.writeStartArray();
      for (List<Object> row : result.rows()) {
        json.writeStartObject();
        for (int c = 0; c < row.size(); c++) {
          json.writeFieldName(result.columns().get(c));
          writeJson(json, row.get(c));
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.flush();
      out.println();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeJson(JsonGenerator json, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof List<?> list) {
      json.writeStartArray();
      for (Object item : list) {
        writeJson(json, item);
      }
      json.writeEndArray();
    } else if (value instanceof Double d && Double.isFinite(d)) {
      json.writeNumber(d);
    } else if (value instanceof Float f && Float.isFinite(f)) {
      json.writeNumber(f);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      json.writeNumber(((Number) value).longValue());
    } else if (value instanceof BigInteger big) {
      json.writeNumber(big);
    } else if (value instanceof BigDecimal decimal) {
      json.writeNumber(decimal);
    } else if (value instanceof Boolean b) {
      json.writeBoolean(b);
    } else {
      json.writeString(value.toString());
    }
  }

  /** For reading: floating point to 6 significant digits, plain notation unless very large or small. */
  public static String readable(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double x = ((Number) value).doubleValue();
      if (!Double.isFinite(x)) {
        return Double.toString(x);
      }
      double magnitude = Math.abs(x);
      if (x == 0 || (magnitude >= 1e-4 && magnitude < 1e9)) {
        return new BigDecimal(x).round(new MathContext(6)).stripTrailingZeros().toPlainString();
      }
      return String.format(Locale.ROOT, "%.5e", x);
    }
    if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(TableFormats::readable).collect(Collectors.joining(", ", "[", "]"));
    }
    return String.valueOf(value);
  }

  private static String exact(Object value) {
    if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(TableFormats::exact).collect(Collectors.joining(",", "[", "]"));
    }
    return String.valueOf(value);
  }

  private static List<List<String>> cells(ResultRows result, String nullText) {
    List<List<String>> cells = new ArrayList<>();
    for (List<Object> row : result.rows()) {
      cells.add(row.stream().map(value -> value == null ? nullText : readable(value)).toList());
    }
    return cells;
  }

  private static int[] widths(List<String> columns, List<List<String>> cells) {
    int[] widths = columns.stream().mapToInt(String::length).toArray();
    for (List<String> row : cells) {
      for (int c = 0; c < widths.length; c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    return widths;
  }

  /** A column is numeric when every non-null value in it is a number. */
  private static boolean[] numericColumns(ResultRows result) {
    boolean[] numeric = new boolean[result.columns().size()];
    for (int c = 0; c < numeric.length; c++) {
      final int column = c;
      numeric[c] = result.rows().stream().map(row -> row.get(column))
          .allMatch(value -> value == null || value instanceof Number);
    }
    return numeric;
  }

  private static String pad(String text, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - text.length()));
    return right ? fill + text : text + fill;
  }
}

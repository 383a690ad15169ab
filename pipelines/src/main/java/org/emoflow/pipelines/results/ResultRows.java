package org.emoflow.pipelines.results;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A query's result in memory: column names and rows of plain Java values (SQL lists become Java lists). */
public record ResultRows(List<String> columns, List<List<Object>> rows) {

  public static ResultRows query(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
      return read(result);
    }
  }

  public static ResultRows read(ResultSet result) throws SQLException {
    ResultSetMetaData meta = result.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int c = 1; c <= meta.getColumnCount(); c++) {
      columns.add(meta.getColumnLabel(c));
    }
    List<List<Object>> rows = new ArrayList<>();
    while (result.next()) {
      List<Object> row = new ArrayList<>(columns.size());
      for (int c = 1; c <= columns.size(); c++) {
        row.add(plain(result.getObject(c)));
      }
      rows.add(row);
    }
    return new ResultRows(List.copyOf(columns), rows);
  }

  private static Object plain(Object value) throws SQLException {
    if (value instanceof Array array) {
      List<Object> items = new ArrayList<>();
      for (Object item : (Object[]) array.getArray()) {
        items.add(plain(item));
      }
      return items;
    }
    return value;
  }

  public int size() {
    return rows.size();
  }

  public int column(String name) {
    int index = columns.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException("no column '" + name + "' in " + columns);
    }
    return index;
  }

  public Object get(int row, String column) {
    return rows.get(row).get(column(column));
  }

  /** A numeric cell as a double; null stays null. */
  public Double number(int row, String column) {
    Object value = get(row, column);
    return value == null ? null : ((Number) value).doubleValue();
  }

  public String text(int row, String column) {
    Object value = get(row, column);
    return value == null ? null : value.toString();
  }
}

package io.strata.client.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Rows printed as left-aligned columns two spaces apart, as Docker's listings are. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  /** A table whose first row is {@code header}; without one, only the rows. */
  Table(String... header) {
    if (header.length > 0) {
      rows.add(header);
    }
  }

  /** Adds a row; null cells print as {@code -}. */
  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  /** Prints every row, the last column unpadded. */
  void print(PrintStream out) {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], cell(row, i).length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        String c = cell(row, i);
        line.append(c);
        if (i < row.length - 1) {
          line.append(" ".repeat(width[i] - c.length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String cell(String[] row, int i) {
    return row[i] == null ? "-" : row[i];
  }
}

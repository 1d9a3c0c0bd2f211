package io.strata.perf.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table printed as Markdown with aligned columns, so a run's output pastes into docs/PERF.md. */
public final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  /** A table with these column titles. */
  public Table(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; it must have one cell per column. */
  public Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "table row: " + cells.length + " cells for " + header.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(String::valueOf).toList());
    return this;
  }

  /** Prints the table. */
  public void print(PrintStream out) {
    int[] width = new int[header.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = header.get(c).length();
      for (List<String> r : rows) {
        width[c] = Math.max(width[c], r.get(c).length());
      }
    }
    printRow(out, header, width);
    StringBuilder rule = new StringBuilder("|");
    for (int w : width) {
      rule.append(' ').append("-".repeat(w)).append(" |");
    }
    out.println(rule);
    for (List<String> r : rows) {
      printRow(out, r, width);
    }
    out.flush();
  }

  private static void printRow(PrintStream out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder("|");
    for (int c = 0; c < width.length; c++) {
      String s = cells.get(c);
      b.append(' ').append(s).append(" ".repeat(width[c] - s.length())).append(" |");
    }
    out.println(b);
  }
}

package io.strata.perf.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Markdown tables the perf scripts print, read back: each table's rows as maps from column
 * title to cell, in order, with {@code \|} in a cell read as a pipe. Lines outside tables are kept
 * apart ({@link Parsed#notes}): the scripts put what, when and under what load there.
 */
public final class MarkdownTables {
  private MarkdownTables() {}

  /** The tables and the other non-empty lines of one file. */
  public record Parsed(List<List<Map<String, String>>> tables, List<String> notes) {
    /** The rows of every table, one after the other. */
    public List<Map<String, String>> rows() {
      List<Map<String, String>> all = new ArrayList<>();
      tables.forEach(all::addAll);
      return all;
    }
  }

  /** Reads {@code file}. */
  public static Parsed read(Path file) throws IOException {
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /** Parses lines of Markdown. */
  public static Parsed parse(List<String> lines) {
    List<List<Map<String, String>>> tables = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<String> header = null;
    List<Map<String, String>> rows = null;
    for (String line : lines) {
      String t = line.strip();
      if (!t.startsWith("|")) {
        header = null;
        if (!t.isEmpty()) {
          notes.add(t);
        }
        continue;
      }
      List<String> cells = cells(t);
      if (header == null) {
        header = cells;
        rows = new ArrayList<>();
        tables.add(rows);
      } else if (cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
        continue; // the rule under the header
      } else {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
          row.put(header.get(i), i < cells.size() ? cells.get(i) : "");
        }
        rows.add(row);
      }
    }
    return new Parsed(tables, notes);
  }

  private static List<String> cells(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    for (int i = 1; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
        cell.append('|');
        i++;
      } else if (c == '|') {
        out.add(cell.toString().strip());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    return out;
  }
}

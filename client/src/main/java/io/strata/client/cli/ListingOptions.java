package io.strata.client.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * docker's options of every listing: {@code -q}, {@code --no-trunc}, {@code --filter KEY=VALUE} and
 * {@code --format TEMPLATE|table TEMPLATE|json}, and the printing they choose between. Filters with
 * the same key match if any does, different keys must all match, as docker's do.
 */
final class ListingOptions {
  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the ids (names of volumes, digests of objects).")
  boolean quiet;

  @Option(names = "--no-trunc", description = "Do not shorten ids.")
  boolean noTrunc;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description = "Only the rows that match (see the command's description for the keys).")
  List<String> filters = new ArrayList<>();

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "A Go-like template of the fields the command's description lists ('{{.Size}}', 'table"
              + " ...' adds a header), or json: one JSON object per row.")
  String format;

  /**
   * What a listing shows of one item type: its table columns (field and header, in order), the
   * field {@code -q} prints, the rows' fields and the filters it knows.
   *
   * @param <T> the item type
   */
  static final class Shape<T> {
    final Map<String, String> headers = new LinkedHashMap<>();
    final Map<String, BiPredicate<T, String>> filters = new LinkedHashMap<>();

    /** Keys whose values must all match (docker's {@code label=}); the others' any one. */
    final Set<String> everyValue = new HashSet<>();

    final List<String> fields = new ArrayList<>();
    String idField = "ID";
    Function<T, Map<String, Object>> row;

    /** A field shown in the table under {@code header}. */
    Shape<T> column(String field, String header) {
      headers.put(field, header);
      fields.add(field);
      return this;
    }

    /** A field only templates show. */
    Shape<T> field(String field) {
      fields.add(field);
      return this;
    }

    Shape<T> filter(String key, BiPredicate<T, String> match) {
      filters.put(key, match);
      return this;
    }

    /** A filter whose every value must match, as docker's {@code label=}, when given several. */
    Shape<T> filterEvery(String key, BiPredicate<T, String> match) {
      everyValue.add(key);
      return filter(key, match);
    }
  }

  /** The items {@code --filter} keeps; an unknown key or a filter without {@code =} is refused. */
  <T> List<T> filter(List<T> items, Shape<T> shape) {
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq > 0 ? f.substring(0, eq) : f;
      if (eq <= 0 || !shape.filters.containsKey(key)) {
        throw new UsageError(
            "invalid filter '"
                + f
                + "': expected KEY=VALUE with KEY one of "
                + String.join(", ", shape.filters.keySet()));
      }
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(f.substring(eq + 1));
    }
    List<T> kept = new ArrayList<>();
    for (T item : items) {
      boolean all = true;
      for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
        BiPredicate<T, String> match = shape.filters.get(e.getKey());
        all &=
            shape.everyValue.contains(e.getKey())
                ? e.getValue().stream().allMatch(v -> match.test(item, v))
                : e.getValue().stream().anyMatch(v -> match.test(item, v));
      }
      if (all) {
        kept.add(item);
      }
    }
    return kept;
  }

  /**
   * Prints {@code items} (already filtered) as {@code --json}, {@code -q}, {@code --format} or the
   * table ask.
   */
  <T> void print(StrataCli cli, List<T> items, Shape<T> shape) {
    print(cli.terminal().out(), cli.json(), items, shape);
  }

  /** {@link #print(StrataCli, List, Shape)} on {@code out}, {@code json} for {@code --json}. */
  <T> void print(PrintStream out, boolean json, List<T> items, Shape<T> shape) {
    if (format != null && format.isEmpty()) {
      format = null; // docker: an empty --format is the default table (AA4)
    }
    if (json) {
      // each chooses the whole output: one silently winning over the other misleads a script (Z14)
      if (quiet || format != null) {
        throw new UsageError(
            "--json cannot be combined with " + (quiet ? "-q" : "--format") + ": give one");
      }
      out.println(Template.pretty(items));
      return;
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (T item : items) {
      rows.add(shape.row.apply(item));
    }
    if (quiet) {
      rows.forEach(r -> out.println(r.get(shape.idField)));
      return;
    }
    if (format != null) {
      printFormatted(out, format, rows, shape);
      return;
    }
    Table table = new Table(shape.headers.values().toArray(new String[0]));
    for (Map<String, Object> r : rows) {
      table.row(
          shape.headers.keySet().stream()
              .map(f -> r.get(f) == null ? null : String.valueOf(r.get(f)))
              .toArray(String[]::new));
    }
    table.print(out);
  }

  /**
   * Prints {@code rows} as {@code --format} asks: {@code json} (one object per row), {@code table
   * [TEMPLATE]} (a header, then aligned columns; no template: the shape's columns) or a template
   * per row. Also for the commands that are no listing ({@code system df}).
   */
  static void printFormatted(
      PrintStream out, String format, List<Map<String, Object>> rows, Shape<?> shape) {
    if (format.strip().equals("json")) {
      rows.forEach(r -> out.println(Template.json(r)));
      return;
    }
    if (!format.startsWith("table")) {
      Template t = new Template(format, shape.fields);
      rows.forEach(r -> out.println(t.apply(r)));
      return;
    }
    String body = format.substring("table".length()).strip();
    Template t = new Template(body.isEmpty() ? defaultTemplate(shape) : body, shape.fields);
    Map<String, Object> header = new LinkedHashMap<>();
    for (String f : shape.fields) {
      header.put(f, shape.headers.getOrDefault(f, f.toUpperCase(Locale.ROOT)));
    }
    Table table = new Table();
    table.row(t.apply(header).split("\t", -1));
    rows.forEach(r -> table.row(t.apply(r).split("\t", -1)));
    table.print(out);
  }

  private static String defaultTemplate(Shape<?> shape) {
    return String.join("\\t", shape.headers.keySet().stream().map(f -> "{{." + f + "}}").toList());
  }

  /** {@code id} as the listing prints it: 12 hex digits, or whole with {@code --no-trunc}. */
  String id(String id) {
    return noTrunc ? id : ShortId.of(id);
  }
}

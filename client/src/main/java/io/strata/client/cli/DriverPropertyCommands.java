package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.protocol.message.DriverSetArgs;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata driver get|set|show}: zfs get/set, btrfs property get and subvolume show. */
final class DriverPropertyCommands {
  private DriverPropertyCommands() {}

  /** {@code strata driver get [-H] [-p] [-o FIELDS] [-s SOURCES] PROPERTIES [NAME...]}. */
  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description =
          "Properties as 'zfs get' shows them (NAME PROPERTY VALUE SOURCE; a comma list, or all),"
              + " of each NAME: strata (the pool, the default), strata/<id>, strata/<id>@<n> or"
              + " a snapshot key; or a btrfs subvolume's ro, as 'btrfs property get' (ro=true).")
  static final class Get extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PROPERTY[,PROPERTY...]|all")
    String property;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "NAME")
    List<String> names;

    @Option(names = "-H", description = "zfs: no header, one tab between fields.")
    boolean scripted;

    @Option(names = "-p", description = "zfs: sizes in bytes (parsable), as 'zfs get -p'.")
    boolean parsable;

    @Option(
        names = "-o",
        paramLabel = "FIELDS",
        description = "zfs: the fields, a comma list of name, property, value, received, source.")
    String fields;

    @Option(
        names = "-s",
        paramLabel = "SOURCES",
        description =
            "zfs: only values of these sources, a comma list of local, default, inherited,"
                + " temporary, received, none.")
    String sources;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<String> cols;
      List<String> kept;
      try {
        cols = fields == null ? GET_DEFAULT : getFields(fields);
        kept = sources == null ? null : getSources(sources);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "driver get: " + e.getMessage());
      }
      List<JsonNode> rows = new ArrayList<>();
      for (String name :
          names == null || names.isEmpty() ? java.util.Arrays.asList((String) null) : names) {
        rows.addAll(get(client, property, parsable, name));
      }
      if (!rows.isEmpty()
          && rows.stream().allMatch(r -> r.path("property").asText().equals("ro"))) {
        // btrfs's one property: btrfs property get prints PROPERTY=VALUE and has no zfs options
        String refusal =
            DriverListing.refused(
                "zfs get",
                "btrfs",
                new boolean[] {scripted, parsable, fields != null, sources != null},
                "-H",
                "-p",
                "-o",
                "-s");
        if (refusal != null) {
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(), "driver get: " + refusal);
        }
        if (cli.json()) {
          cli.printJson(rows);
        } else {
          rows.forEach(r -> cli.terminal().out().println("ro=" + r.path("value").asText()));
        }
        return ExitStatus.OK;
      }
      if (kept != null) {
        rows =
            rows.stream()
                .filter(r -> kept.contains(sourceKind(r.path("source").asText())))
                .toList();
      }
      if (cli.json()) {
        cli.printJson(rows);
      } else {
        getTable(rows, scripted, cols).forEach(cli.terminal().out()::println);
      }
      return ExitStatus.OK;
    }
  }

  /**
   * The rows of {@code get} of {@code list} (a comma list) on {@code name}: one request, so the
   * server reads every property from one state (a {@code driver set} of several is seen whole). A
   * server before session 27 refuses a list as one unknown property: it is asked one property at a
   * time, as clients of its time asked it.
   */
  private static List<JsonNode> get(StrataClient client, String list, boolean parsable, String name)
      throws java.io.IOException {
    String value = parsable ? "parsable" : null;
    try {
      return client.driverProperty(new DriverPropertyArgs("get", list, value, name));
    } catch (io.strata.client.StrataClientException e) {
      if (e.status() != io.strata.protocol.Status.INVALID_ARGUMENT
          || !list.contains(",")
          || client.info().commit() != null) {
        throw e;
      }
      List<JsonNode> rows = new ArrayList<>();
      for (String p : list.split(",", -1)) {
        rows.addAll(client.driverProperty(new DriverPropertyArgs("get", p, value, name)));
      }
      return rows;
    }
  }

  /** {@code zfs get}'s fields without {@code -o}. */
  static final List<String> GET_DEFAULT = List.of("name", "property", "value", "source");

  private static final List<String> GET_FIELDS =
      List.of("name", "property", "value", "received", "source");

  /**
   * {@code zfs get -o}'s field list ({@code all}: every field).
   *
   * @throws IllegalArgumentException naming a field zfs get does not know, in its words
   */
  static List<String> getFields(String list) {
    List<String> out = new ArrayList<>();
    for (String f : list.split(",", -1)) {
      if (f.equals("all")) {
        out.addAll(GET_FIELDS);
      } else if (GET_FIELDS.contains(f)) {
        out.add(f);
      } else {
        throw new IllegalArgumentException("invalid column name '" + f + "'");
      }
    }
    return out;
  }

  private static final List<String> SOURCES =
      List.of("local", "default", "inherited", "temporary", "received", "none");

  /**
   * {@code zfs get -s}'s source list.
   *
   * @throws IllegalArgumentException naming a source zfs get does not know, in its words
   */
  static List<String> getSources(String list) {
    List<String> out = new ArrayList<>();
    for (String s : list.split(",", -1)) {
      if (!SOURCES.contains(s)) {
        throw new IllegalArgumentException("invalid source '" + s + "'");
      }
      out.add(s);
    }
    return out;
  }

  /** The {@code -s} kind of a SOURCE cell: {@code inherited from strata} is inherited, - none. */
  static String sourceKind(String source) {
    return source.equals("-")
        ? "none"
        : source.startsWith("inherited") ? "inherited" : source.split(" ", 2)[0];
  }

  /**
   * {@code strata driver set PROPERTY=VALUE... [NAME...]} (or {@code PROPERTY VALUE [NAME]}): every
   * assignment on every name, as {@code zfs set}.
   */
  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Sets properties locally, as 'zfs set PROPERTY=VALUE... NAME...' (recordsize,"
              + " compression, dedup, quota, readonly, atime, relatime; no NAME: the pool);"
              + " 'inherit' as the value clears one, as 'zfs inherit' (not quota, which zfs does"
              + " not inherit: quota=none). Every assignment is checked on every NAME first: one"
              + " refused, none is made.")
  static final class Set extends ClientCommand {
    @Parameters(
        paramLabel = "PROPERTY=VALUE... [NAME...] | PROPERTY VALUE [NAME...]",
        arity = "1..*")
    List<String> words;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      SetRequest req;
      try {
        req = setRequest(words);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "driver set: " + e.getMessage());
      }
      java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
      List<String> inherit = new ArrayList<>();
      for (String[] a : req.assignments()) {
        if (a[1].equals("inherit")) {
          inherit.add(a[0]);
        } else {
          values.put(a[0], a[1]);
        }
      }
      List<String> names = req.names().stream().filter(n -> n != null).toList();
      List<JsonNode> rows = set(client, new DriverSetArgs(values, List.copyOf(inherit), names));
      if (cli.json()) {
        cli.printJson(rows);
      }
      return ExitStatus.OK;
    }
  }

  /**
   * {@code driver.set}; a server older than it (before session 27) takes one assignment on one name
   * by {@code driver.property}, which is the same change. Several it would make one at a time, not
   * all or nothing: refused, saying so.
   */
  private static List<JsonNode> set(StrataClient client, DriverSetArgs a)
      throws java.io.IOException {
    try {
      return client.driverSet(a);
    } catch (io.strata.client.StrataClientException e) {
      if (e.status() != io.strata.protocol.Status.UNIMPLEMENTED) {
        throw e;
      }
      int count = a.properties().size() + a.inherit().size();
      if (count != 1 || a.names().size() > 1) {
        throw new io.strata.client.StrataClientException(
            io.strata.protocol.Status.UNIMPLEMENTED,
            "driver set: this server is older than the client and cannot set several properties"
                + " or names at once (all or nothing): upgrade stratad, or give one PROPERTY=VALUE"
                + " and one NAME per call",
            e);
      }
      String name = a.names().isEmpty() ? null : a.names().get(0);
      return a.inherit().isEmpty()
          ? client.driverProperty(
              new DriverPropertyArgs(
                  "set",
                  a.properties().keySet().iterator().next(),
                  a.properties().values().iterator().next(),
                  name))
          : client.driverProperty(
              new DriverPropertyArgs("inherit", a.inherit().get(0), null, name));
    }
  }

  /** A parsed {@code driver set}: PROPERTY, VALUE pairs, and the names (null: the pool). */
  record SetRequest(List<String[]> assignments, List<String> names) {}

  /**
   * {@code driver set}'s words: {@code zfs set}'s PROPERTY=VALUE... then names, or the older
   * PROPERTY VALUE [NAME].
   *
   * @throws IllegalArgumentException for a missing value or property, or an assignment after a name
   */
  static SetRequest setRequest(List<String> words) {
    List<String[]> assignments = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (!words.get(0).contains("=")) {
      if (words.size() < 2) {
        throw new IllegalArgumentException(
            words.get(0) + ": give PROPERTY=VALUE... [NAME...] or PROPERTY VALUE [NAME...]");
      }
      assignments.add(new String[] {words.get(0), words.get(1)});
      names.addAll(words.subList(2, words.size()));
      if (names.isEmpty()) {
        names.add(null);
      }
      return new SetRequest(assignments, names);
    }
    for (String w : words) {
      int eq = w.indexOf('=');
      if (eq < 0) {
        names.add(w);
      } else if (!names.isEmpty()) {
        throw new IllegalArgumentException(
            w + ": a PROPERTY=VALUE after the name " + names.get(names.size() - 1));
      } else if (eq == 0) {
        throw new IllegalArgumentException(w + ": missing property in property=value argument");
      } else {
        String property = w.substring(0, eq);
        for (String[] a : assignments) {
          if (a[0].equals(property)) {
            // zfs set's words (parseprop): a list is checked whole, a repeat is not a later value
            throw new IllegalArgumentException(
                "property '" + property + "' specified multiple times");
          }
        }
        assignments.add(new String[] {property, w.substring(eq + 1)});
      }
    }
    if (names.isEmpty()) {
      names.add(null);
    }
    return new SetRequest(assignments, names);
  }

  /** {@code strata driver show NAME}: {@code btrfs subvolume show}, or zfs's properties. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "btrfs: 'btrfs subvolume show' of a snapshot; zfs: every property of a dataset or"
              + " snapshot key, as 'zfs get all'.")
  static final class Show extends ClientCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows = client.driverProperty(new DriverPropertyArgs("show", null, null, name));
      if (cli.json()) {
        cli.printJson(rows);
      } else if (!rows.isEmpty() && rows.get(0).has("Subvolume ID")) {
        subvolumeShow(rows.get(0), ZoneId.systemDefault()).forEach(cli.terminal().out()::println);
      } else {
        getTable(rows, false, GET_DEFAULT).forEach(cli.terminal().out()::println);
      }
      return ExitStatus.OK;
    }
  }

  /** {@code strata driver du [--raw] KEY...}: {@code btrfs filesystem du -s}. */
  @Command(
      name = "du",
      mixinStandardHelpOptions = true,
      description =
          "btrfs: 'btrfs filesystem du -s' of subvolumes: Total, Exclusive and Set shared bytes"
              + " of their files' extents.")
  static final class Du extends ClientCommand {
    @Parameters(paramLabel = "KEY", arity = "1..*")
    List<String> keys;

    @Option(names = "--raw", description = "Sizes in bytes.")
    boolean raw;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows = new ArrayList<>();
      for (String k : keys) {
        rows.addAll(client.driverProperty(new DriverPropertyArgs("du", null, null, k)));
      }
      if (cli.json()) {
        cli.printJson(rows);
      } else {
        duTable(rows, raw).forEach(cli.terminal().out()::println);
      }
      return ExitStatus.OK;
    }
  }

  /** {@code btrfs filesystem du -s}'s lines: {@code %10s %10s %10s %s}. */
  static List<String> duTable(List<JsonNode> rows, boolean raw) {
    List<String> out = new ArrayList<>();
    String row = "%10s  %10s  %10s  %s";
    out.add(String.format(Locale.ROOT, row, "Total", "Exclusive", "Set shared", "Filename"));
    for (JsonNode r : rows) {
      out.add(
          String.format(
              Locale.ROOT,
              row,
              size(r.path("Total").asLong(), raw),
              size(r.path("Exclusive").asLong(), raw),
              size(r.path("Set shared").asLong(), raw),
              r.path("Filename").asText()));
    }
    return out;
  }

  /** A size as btrfs-progs prints it: {@code 44.00KiB}, {@code 0.00B}; raw: the bytes. */
  static String size(long bytes, boolean raw) {
    if (raw) {
      return Long.toString(bytes);
    }
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    double v = bytes;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.2f%s", v, units[u]);
  }

  /** {@code strata driver snapshot}: {@code btrfs subvolume snapshot} or {@code zfs snapshot}. */
  @Command(
      name = "snapshot",
      mixinStandardHelpOptions = true,
      description = {
        "btrfs: 'btrfs subvolume snapshot [-r] SOURCE DEST' of any subvolume, writable ones too"
            + " (strata driver delete removes it).",
        "zfs: 'zfs snapshot' of a dataset (strata/<id> or its snapshot key); prints the new"
            + " snapshot's name (strata/<id>@<n>), which strata driver rollback takes."
      })
  static final class Snapshot extends ClientCommand {
    @Parameters(
        index = "0",
        paramLabel = "SOURCE",
        description =
            "btrfs: the subvolume (a snapshot key, as strata driver ls prints its path); zfs: the"
                + " dataset, strata/<id>, or its snapshot key.")
    String source;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "DEST",
        description = "btrfs: the new subvolume's name (./NAME is NAME); zfs: none.")
    String dest;

    @Option(names = "-r", description = "btrfs: a read-only snapshot.")
    boolean readOnly;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows =
          client.driverProperty(
              new DriverPropertyArgs("snapshot", readOnly ? "ro" : null, dest, source));
      if (cli.json()) {
        cli.printJson(rows);
      } else if (!rows.isEmpty() && rows.get(0).has("Subvolume ID")) {
        cli.terminal()
            .out()
            .println(
                "Create "
                    + (readOnly ? "a readonly" : "a")
                    + " snapshot of '"
                    + source
                    + "' in './"
                    + rows.get(0).path("path").asText()
                    + "'");
      } else if (!rows.isEmpty()) {
        cli.terminal().out().println(rows.get(0).path("name").asText());
      }
      return ExitStatus.OK;
    }
  }

  /** {@code strata driver delete KEY}: {@code btrfs subvolume delete}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description =
          "btrfs: 'btrfs subvolume delete' of a subvolume made by strata driver snapshot (image"
              + " layers and containers go with strata rmi and strata rm); its snapshots stay.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "KEY")
    String key;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows =
          client.driverProperty(new DriverPropertyArgs("delete", null, null, key));
      if (cli.json()) {
        cli.printJson(rows);
      } else {
        cli.terminal().out().println("Delete subvolume (no-commit): '" + key + "'");
      }
      return ExitStatus.OK;
    }
  }

  /** {@code strata driver rollback [-r] SNAPSHOT}: {@code zfs rollback}. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "zfs: 'zfs rollback [-r] strata/<id>@<n>': the dataset's files become the snapshot's;"
              + " -r destroys more recent snapshots.")
  static final class Rollback extends ClientCommand {
    @Parameters(paramLabel = "SNAPSHOT")
    String snapshot;

    @Option(names = "-r", description = "Destroy more recent snapshots.")
    boolean recursive;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows =
          client.driverProperty(
              new DriverPropertyArgs("rollback", recursive ? "r" : null, null, snapshot));
      if (cli.json()) {
        cli.printJson(rows);
      }
      return ExitStatus.OK;
    }
  }

  /** {@code strata driver sync}: {@code btrfs filesystem sync}. */
  @Command(
      name = "sync",
      mixinStandardHelpOptions = true,
      description =
          "btrfs: commits the running transaction, as 'btrfs filesystem sync', so subvolumes"
              + " changed in it show its generation. Prints nothing (--json: the generation).")
  static final class Sync extends ClientCommand {
    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows = client.driverProperty(new DriverPropertyArgs("sync", null, null, null));
      if (cli.json()) {
        cli.printJson(rows);
      }
      return ExitStatus.OK;
    }
  }

  /**
   * The {@code zfs get} table of {@code fields} (NAME PROPERTY VALUE [RECEIVED] SOURCE):
   * left-aligned, two spaces apart, the last field unpadded; with {@code scripted} ({@code -H}) no
   * header and one tab between fields.
   */
  static List<String> getTable(List<JsonNode> rows, boolean scripted, List<String> fields) {
    List<String[]> table = new ArrayList<>();
    if (!scripted) {
      table.add(fields.stream().map(f -> f.toUpperCase(Locale.ROOT)).toArray(String[]::new));
    }
    for (JsonNode r : rows) {
      String[] cells = new String[fields.size()];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = r.path(fields.get(i)).asText("-");
      }
      table.add(cells);
    }
    List<String> out = new ArrayList<>();
    int[] width = new int[fields.size()];
    for (String[] row : table) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : table) {
      if (scripted) {
        out.add(String.join("\t", row));
        continue;
      }
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        b.append(row[i]);
        if (i < row.length - 1) {
          b.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      out.add(b.toString());
    }
    return out;
  }

  private static final String[][] SHOW_LABELS = {
    {"Name", "\t\t\t"},
    {"UUID", "\t\t\t"},
    {"Parent UUID", "\t\t"},
    {"Received UUID", "\t\t"},
    {"Creation time", "\t\t"},
    {"Subvolume ID", "\t\t"},
    {"Generation", "\t\t"},
    {"Gen at creation", "\t"},
    {"Parent ID", "\t\t"},
    {"Top level ID", "\t\t"},
    {"Flags", "\t\t\t"},
  };

  /** {@code btrfs subvolume show}'s lines: the path, then tab-indented fields. */
  static List<String> subvolumeShow(JsonNode r, ZoneId zone) {
    List<String> out = new ArrayList<>();
    out.add(r.path("path").asText());
    DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z", Locale.ROOT);
    for (String[] l : SHOW_LABELS) {
      String v = r.path(l[0]).asText("-");
      if (l[0].equals("Creation time") && !v.equals("-")) {
        v = time.format(Instant.parse(v).atZone(zone));
      }
      out.add("\t" + l[0] + ": " + l[1] + v);
    }
    out.add("\tSnapshot(s):");
    for (JsonNode s : r.path("Snapshot(s)")) {
      out.add("\t\t\t\t" + s.asText());
    }
    if (r.has("Quota group")) {
      out.add("\tQuota group:\t\t" + r.path("Quota group").asText());
      out.add("\t  Limit referenced:\t" + r.path("Limit referenced").asText("-"));
      out.add("\t  Limit exclusive:\t" + r.path("Limit exclusive").asText("-"));
      out.add("\t  Usage referenced:\t" + size(r.path("Usage referenced").asLong(), false));
      out.add("\t  Usage exclusive:\t" + size(r.path("Usage exclusive").asLong(), false));
    }
    return out;
  }
}

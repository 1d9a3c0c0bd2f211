package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.protocol.message.DriverPropertyArgs;
import java.io.PrintStream;
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

  /** {@code strata driver get PROPERTY [NAME]}, as {@code zfs get}. */
  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description =
          "A property as 'zfs get' shows it (NAME PROPERTY VALUE SOURCE; all: every one), or a"
              + " btrfs subvolume's ro property. NAME: strata (the pool), strata/<id> or a"
              + " snapshot key.")
  static final class Get extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PROPERTY")
    String property;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(names = "-H", description = "No header, one tab between fields.")
    boolean scripted;

    @Option(names = "-p", description = "zfs: sizes in bytes (parsable), as 'zfs get -p'.")
    boolean parsable;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> rows =
          client.driverProperty(
              new DriverPropertyArgs("get", property, parsable ? "parsable" : null, name));
      print(cli, rows, scripted);
      return ExitStatus.OK;
    }
  }

  /** {@code strata driver set PROPERTY=VALUE [NAME]} (or {@code PROPERTY VALUE [NAME]}). */
  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Sets a property locally, as 'zfs set' (recordsize, compression, dedup, quota,"
              + " readonly, atime, relatime); 'inherit' as the value clears it, as 'zfs"
              + " inherit' (not quota, which zfs does not inherit: quota=none).")
  static final class Set extends ClientCommand {
    @Parameters(paramLabel = "PROPERTY=VALUE [NAME] | PROPERTY VALUE [NAME]", arity = "1..3")
    List<String> words;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      String property;
      String value;
      String name;
      if (words.get(0).contains("=")) {
        property = words.get(0).substring(0, words.get(0).indexOf('='));
        value = words.get(0).substring(words.get(0).indexOf('=') + 1);
        name = words.size() > 1 ? words.get(1) : null;
      } else {
        if (words.size() < 2) {
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(), "driver set " + words.get(0) + ": a value is required");
        }
        property = words.get(0);
        value = words.get(1);
        name = words.size() > 2 ? words.get(2) : null;
      }
      boolean inherit = value.equals("inherit");
      List<JsonNode> rows =
          client.driverProperty(
              new DriverPropertyArgs(
                  inherit ? "inherit" : "set", property, inherit ? null : value, name));
      if (cli.json()) {
        cli.printJson(rows);
      }
      return ExitStatus.OK;
    }
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
        print(cli, rows, false);
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
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DEST")
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
                    + dest
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

  private static void print(StrataCli cli, List<JsonNode> rows, boolean scripted) {
    if (cli.json()) {
      cli.printJson(rows);
      return;
    }
    PrintStream out = cli.terminal().out();
    getTable(rows, scripted).forEach(out::println);
  }

  /** The {@code zfs get} table: NAME PROPERTY VALUE SOURCE, left-aligned, two spaces apart. */
  static List<String> getTable(List<JsonNode> rows, boolean scripted) {
    String[] keys = {"name", "property", "value", "source"};
    List<String[]> table = new ArrayList<>();
    if (!scripted) {
      table.add(new String[] {"NAME", "PROPERTY", "VALUE", "SOURCE"});
    }
    for (JsonNode r : rows) {
      String[] cells = new String[keys.length];
      for (int i = 0; i < keys.length; i++) {
        cells[i] = r.path(keys[i]).asText("-");
      }
      table.add(cells);
    }
    List<String> out = new ArrayList<>();
    int[] width = new int[keys.length];
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

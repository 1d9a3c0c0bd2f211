package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;

/** {@code strata driver ...}: the storage driver's own view. */
@Command(
    name = "driver",
    mixinStandardHelpOptions = true,
    description = "The storage driver's own view of its subvolumes or datasets.")
final class DriverCommand extends CommandGroup {

  /** {@code strata driver ls}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "As the driver's tool lists them: btrfs as 'btrfs subvolume list' (-a -p -u -q -R -g -c"
              + " -s -r -o -t), zfs as 'zfs list' (-H -p -o -t -r); an option of the other"
              + " driver's tool is refused.")
  static final class ListCommand extends ClientCommand {
    @picocli.CommandLine.Option(names = "-a", description = "btrfs: paths from <FS_TREE>/.")
    boolean all;

    @picocli.CommandLine.Option(
        names = "-p",
        description = "btrfs: the containing subvolume (parent); zfs: exact numbers.")
    boolean p;

    @picocli.CommandLine.Option(names = "-u", description = "btrfs: each subvolume's uuid.")
    boolean uuid;

    @picocli.CommandLine.Option(names = "-q", description = "btrfs: the parent_uuid.")
    boolean parentUuid;

    @picocli.CommandLine.Option(names = "-R", description = "btrfs: the received_uuid.")
    boolean receivedUuid;

    @picocli.CommandLine.Option(names = "-g", description = "btrfs: the generation (always).")
    boolean gen;

    @picocli.CommandLine.Option(names = "-c", description = "btrfs: the creation generation.")
    boolean cgen;

    @picocli.CommandLine.Option(
        names = "-s",
        arity = "0..1",
        fallbackValue = "",
        paramLabel = "PROPERTY",
        description =
            "btrfs (no value): snapshots only, with cgen and otime; zfs: sort by PROPERTY,"
                + " ascending (repeatable, most important first).")
    List<String> sortUp;

    @picocli.CommandLine.Option(
        names = "-S",
        paramLabel = "PROPERTY",
        description = "zfs: sort by PROPERTY, descending (repeatable, after the -s keys).")
    List<String> sortDown;

    @picocli.CommandLine.Option(
        names = "-r",
        description = "btrfs: read-only subvolumes only; zfs: recursive (every dataset is listed).")
    boolean readOnly;

    @picocli.CommandLine.Option(
        names = "-o",
        arity = "0..1",
        fallbackValue = "",
        paramLabel = "COLUMNS",
        description =
            "btrfs: subvolumes below the path (all are); zfs: the columns, e.g."
                + " name,used,avail,refer,mountpoint,type,origin, or any property 'driver get'"
                + " knows (quota, readonly, ...).")
    String columns;

    @picocli.CommandLine.Option(
        names = "-t",
        arity = "0..1",
        fallbackValue = "",
        paramLabel = "TYPES",
        description =
            "btrfs (no value): a table, as 'btrfs subvolume list -t'; zfs: a comma list of"
                + " filesystem (fs), snapshot (snap), volume (vol), bookmark or all (default:"
                + " filesystem).")
    String types;

    @picocli.CommandLine.Option(names = "-H", description = "zfs: no header, tab-separated.")
    boolean scripted;

    /** A usage error (exit 2) of {@code driver ls}: one line, as the real tool's. */
    private picocli.CommandLine.ParameterException usage(String message) {
      return new picocli.CommandLine.ParameterException(
          spec.commandLine(), "driver ls: " + message);
    }

    private void check(String refusal) {
      if (refusal != null) {
        throw usage(refusal);
      }
    }

    /** Byte counts zfs prints in its compact units; --json keeps them exact. */
    private static final Set<String> SIZES = Set.of("used", "refer", "avail", "written");

    /** Entries as aligned columns named by the first entry's keys, as the driver's tool does. */
    private static void printTable(PrintStream out, List<JsonNode> entries) {
      if (entries.isEmpty()) {
        return;
      }
      List<String> keys = new ArrayList<>();
      entries.get(0).fieldNames().forEachRemaining(keys::add);
      Table table =
          new Table(keys.stream().map(k -> k.toUpperCase(Locale.ROOT)).toArray(String[]::new));
      for (JsonNode e : entries) {
        String[] row = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
          JsonNode v = e.get(keys.get(i));
          row[i] =
              v == null || v.isNull()
                  ? null
                  : v.isIntegralNumber() && SIZES.contains(keys.get(i))
                      ? DriverListing.nicenum(v.asLong())
                      : v.asText();
        }
        table.row(row);
      }
      table.print(out);
    }

    /**
     * The entries for --json, with the keys of its one convention, camelCase ({@code ID} is {@code
     * id}, {@code top level} {@code topLevel}); the table keeps the tool's own names. Every key any
     * entry has is on each, null where an entry has none (a snapshot's avail, a dataset's origin),
     * as the protocol leaves nulls out; so each key has one type across entries
     * (docs/ADVERSARIAL.md, Z6).
     */
    static List<Map<String, JsonNode>> jsonEntries(List<JsonNode> entries) {
      java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
      for (JsonNode e : entries) {
        e.fieldNames().forEachRemaining(keys::add);
      }
      List<Map<String, JsonNode>> out = new ArrayList<>();
      for (JsonNode e : entries) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (String k : keys) {
          m.put(
              camel(k),
              e.has(k) ? e.get(k) : com.fasterxml.jackson.databind.node.NullNode.instance);
        }
        out.add(m);
      }
      return out;
    }

    /** {@code top level}, {@code parent_uuid}, {@code ID} as {@code topLevel}, ... */
    static String camel(String key) {
      String[] words = key.split("[ _-]+");
      StringBuilder b = new StringBuilder();
      for (String w : words) {
        if (w.isEmpty()) {
          continue;
        }
        if (b.length() == 0) {
          b.append(w.equals(w.toUpperCase(Locale.ROOT)) ? w.toLowerCase(Locale.ROOT) : w);
        } else {
          b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
      }
      return b.toString();
    }

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> entries = client.driverList();
      // the rows tell the driver; an empty listing (btrfs without subvolumes) asks the server
      String driver =
          entries.isEmpty()
              ? client.info().driver()
              : entries.get(0).has("ID") ? "btrfs" : entries.get(0).has("name") ? "zfs" : "";
      boolean btrfs = driver.equals("btrfs");
      boolean zfs = driver.equals("zfs");
      List<String> cols = DriverListing.ZFS_DEFAULT;
      Set<String> kinds = Set.of("filesystem");
      if (btrfs) {
        check(
            DriverListing.refused(
                "zfs list",
                "btrfs",
                new boolean[] {scripted, columns != null && !columns.isEmpty()},
                "-H",
                "-o COLUMNS"));
        if (types != null && !types.isEmpty()) {
          throw usage("-t takes no types on btrfs ('btrfs subvolume list -t' prints a table)");
        }
        check(DriverListing.refused("zfs list", "btrfs", new boolean[] {sortDown != null}, "-S"));
        if (sortUp != null && sortUp.stream().anyMatch(v -> !v.isEmpty())) {
          throw usage("-s takes no property on btrfs ('btrfs subvolume list -s' lists snapshots)");
        }
      } else if (zfs) {
        // zfs list -r lists every descendant, which a listing of the whole pool already does
        check(
            DriverListing.refused(
                "btrfs subvolume list",
                "zfs",
                new boolean[] {all, uuid, parentUuid, receivedUuid, gen, cgen},
                "-a",
                "-u",
                "-q",
                "-R",
                "-g",
                "-c"));
        if (columns != null && !columns.isEmpty()) {
          cols = List.of(columns.split(",", -1));
        }
        String unknown = DriverListing.unknownColumn(entries, cols);
        if (unknown != null) {
          // zfs list's own words, so that a script's error handling for the real tool matches
          throw usage("bad property list: invalid property '" + unknown + "'");
        }
        if (types != null && types.isEmpty()) {
          throw usage("missing argument for 't' option");
        }
        if (sortUp != null && sortUp.contains("")) {
          throw usage("missing argument for 's' option");
        }
        List<String[]> sort = new ArrayList<>();
        for (String k : sortUp == null ? List.<String>of() : sortUp) {
          sort.add(new String[] {k, "up"});
        }
        for (String k : sortDown == null ? List.<String>of() : sortDown) {
          sort.add(new String[] {k, "down"});
        }
        try {
          kinds = types == null ? kinds : DriverListing.zfsTypes(types);
          entries = DriverListing.zfsSorted(entries, sort);
        } catch (IllegalArgumentException e) {
          throw usage(e.getMessage());
        }
      }
      if (cli.json()) {
        cli.printJson(jsonEntries(entries));
      } else if (btrfs) {
        DriverListing.btrfs(
                entries,
                new DriverListing.BtrfsFlags(
                    all,
                    p,
                    uuid,
                    parentUuid,
                    receivedUuid,
                    cgen,
                    sortUp != null,
                    readOnly,
                    types != null,
                    java.time.ZoneId.systemDefault()))
            .forEach(cli.terminal().out()::println);
      } else if (zfs) {
        DriverListing.zfs(entries, cols, kinds, scripted, p).forEach(cli.terminal().out()::println);
      } else {
        printTable(cli.terminal().out(), entries);
      }
      return ExitStatus.OK;
    }
  }
}

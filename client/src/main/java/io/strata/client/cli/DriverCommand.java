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
          "btrfs: subvolumes and snapshots (ID, gen, parent, path); zfs: datasets, snapshots and"
              + " clones (name, used, refer, origin).")
  static final class ListCommand extends ClientCommand {
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
                      ? ByteSize.zfsStyle(v.asLong())
                      : v.asText();
        }
        table.row(row);
      }
      table.print(out);
    }

    /**
     * An entry with the keys of --json's one convention, camelCase ({@code ID} is {@code id},
     * {@code top level} {@code topLevel}, {@code parent_uuid} {@code parentUuid}); the table keeps
     * the tool's own column names.
     */
    static Map<String, JsonNode> camelKeys(JsonNode entry) {
      Map<String, JsonNode> out = new LinkedHashMap<>();
      entry.fieldNames().forEachRemaining(k -> out.put(camel(k), entry.get(k)));
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
      if (cli.json()) {
        cli.printJson(entries.stream().map(ListCommand::camelKeys).toList());
      } else {
        printTable(cli.terminal().out(), entries);
      }
      return ExitStatus.OK;
    }
  }
}

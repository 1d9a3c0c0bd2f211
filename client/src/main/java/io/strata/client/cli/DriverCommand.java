package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code strata driver ...}: the storage driver's own view. */
@Command(
    name = "driver",
    mixinStandardHelpOptions = true,
    description = "The storage driver's own view of its subvolumes or datasets.",
    subcommands = DriverCommand.ListCommand.class)
final class DriverCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a driver command is required");
  }

  /** {@code strata driver ls}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "btrfs: subvolumes and snapshots (ID, gen, parent, path); zfs: datasets, snapshots and"
              + " clones (name, used, refer, origin).")
  static final class ListCommand extends ClientCommand {
    /** Entries as aligned columns named by the first entry's keys, as the driver's tool does. */
    private static void printTable(PrintStream out, List<JsonNode> entries) {
      if (entries.isEmpty()) {
        return;
      }
      List<String> keys = new ArrayList<>();
      entries.get(0).fieldNames().forEachRemaining(keys::add);
      int[] width = new int[keys.size()];
      List<String[]> rows = new ArrayList<>();
      String[] header = new String[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        header[i] = keys.get(i).toUpperCase(Locale.ROOT);
      }
      rows.add(header);
      for (JsonNode e : entries) {
        String[] row = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
          JsonNode v = e.get(keys.get(i));
          row[i] = v == null || v.isNull() ? "-" : v.asText();
        }
        rows.add(row);
      }
      for (String[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          width[i] = Math.max(width[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(
              i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> entries = client.driverList();
      if (cli.json()) {
        cli.printJson(entries);
      } else {
        printTable(cli.terminal().out(), entries);
      }
      return ExitStatus.OK;
    }
  }
}

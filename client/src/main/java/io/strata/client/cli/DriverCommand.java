package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import java.util.List;
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
    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<JsonNode> entries = client.driverList();
      if (cli.json()) {
        cli.printJson(entries);
      } else {
        for (JsonNode e : entries) {
          cli.terminal().out().println(e);
        }
      }
      return ExitStatus.OK;
    }
  }
}

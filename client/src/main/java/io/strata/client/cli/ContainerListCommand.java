package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerItem;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata ps [-a] [-q]}. */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = {
      "Lists containers: CONTAINER ID IMAGE NAME SIZE VIRTUAL.",
      "SIZE is what the writable layer holds exclusively (what strata rm frees), VIRTUAL adds the"
          + " image. Strata stores containers and never runs them, so every container is listed,"
          + " with or without -a."
    })
final class ContainerListCommand extends ClientCommand {
  @Option(
      names = {"-a", "--all"},
      description = "Accepted for Docker's sake: no container runs, so all are always listed.")
  boolean all;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the container ids.")
  boolean quiet;

  /** The container table of {@code ps} and {@code system df -v}. */
  static void print(PrintStream out, List<ContainerItem> items) {
    Table t = new Table("CONTAINER ID", "IMAGE", "NAME", "SIZE", "VIRTUAL");
    for (ContainerItem c : items) {
      t.row(
          ImageCommand.shortId(c.id()),
          c.image(),
          c.name(),
          ByteSize.human(c.size()),
          ByteSize.human(c.virtualSize()));
    }
    t.print(out);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<ContainerItem> items = client.containers();
    if (cli.json()) {
      cli.printJson(items);
    } else if (quiet) {
      items.forEach(c -> cli.terminal().out().println(ImageCommand.shortId(c.id())));
    } else {
      print(cli.terminal().out(), items);
    }
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.BlobItem;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code strata blob ls}. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "Lists every object: digest and size.")
final class BlobListCommand extends ClientCommand {
  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<BlobItem> items = client.list();
    if (cli.json()) {
      cli.printJson(items);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    out.printf("%-71s  %s%n", "DIGEST", "SIZE");
    for (BlobItem b : items) {
      out.printf("%-71s  %s%n", b.digest(), ByteSize.human(b.size()));
    }
    return ExitStatus.OK;
  }
}

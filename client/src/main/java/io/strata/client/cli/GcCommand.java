package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.GcReply;
import picocli.CommandLine.Command;

/** {@code strata gc}. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description =
        "Deletes chunks nothing references and prints what it reclaimed; safe while other"
            + " requests run.")
final class GcCommand extends ClientCommand {
  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    GcReply r = client.gc();
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal()
          .out()
          .printf(
              "removed %d chunks, reclaimed %d bytes (%s)%n",
              r.chunksRemoved(), r.bytesReclaimed(), ByteSize.human(r.bytesReclaimed()));
    }
    return ExitStatus.OK;
  }
}

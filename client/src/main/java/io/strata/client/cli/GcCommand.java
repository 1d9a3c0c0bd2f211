package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.GcReply;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata gc}. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description =
        "Deletes chunks nothing references and prints what it reclaimed; safe while other"
            + " requests run.")
final class GcCommand extends ClientCommand {
  @Option(
      names = "--forget-node",
      paramLabel = "NODE",
      description =
          "On a shared store (stratad --store s3://...): first remove NODE, a server gone for"
              + " good, from the fleet, so that gc stops waiting for its answer and deletes what"
              + " only it used. Refused while NODE still sends heartbeats; a forgotten node"
              + " refuses to start again on its old data root. Repeatable.")
  List<String> forgetNodes = new ArrayList<>();

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    GcReply r = forgetNodes.isEmpty() ? client.gc() : client.gc(forgetNodes);
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

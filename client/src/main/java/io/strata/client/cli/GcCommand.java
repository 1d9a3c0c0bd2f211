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
      cli.terminal().out().println(describe(r));
    }
    return ExitStatus.OK;
  }

  /**
   * The line {@code strata gc} prints. A fleet's gc names every way it emptied packs: its bytes are
   * the whole packs it deleted, which duplicate copies and repacking emptied as well as chunks
   * nothing referenced, so the chunk count alone cannot account for them.
   */
  static String describe(GcReply r) {
    String reclaimed =
        "reclaimed " + r.bytesReclaimed() + " bytes (" + ByteSize.human(r.bytesReclaimed()) + ")";
    GcReply.Fleet f = r.fleet();
    if (f == null) {
      return "removed " + r.chunksRemoved() + " chunks, " + reclaimed;
    }
    return "removed "
        + r.chunksRemoved()
        + " unreferenced chunks, dropped "
        + f.duplicatesDropped()
        + " duplicate copies (aliased to one copy), repacked "
        + f.chunksRepacked()
        + " chunks, deleted "
        + f.packsDeleted()
        + " packs of the bucket: "
        + reclaimed;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.HistoryItem;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata image history IMAGE}. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = "One row per layer, top first: layer id (diff_id), size, the instruction.")
final class ImageHistoryCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(names = "--no-trunc", description = "Show whole layer ids.")
  boolean noTrunc;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<HistoryItem> items = client.history(image);
    if (cli.json()) {
      cli.printJson(items);
      return ExitStatus.OK;
    }
    Table t = new Table("LAYER", "SIZE", "CREATED BY");
    for (HistoryItem h : items) {
      t.row(
          noTrunc ? h.layerId() : ImageCommand.shortId(h.layerId()),
          ByteSize.human(h.size()),
          h.createdBy());
    }
    t.print(cli.terminal().out());
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ImageItem;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code strata image ls}. */
@Command(
    name = "ls",
    aliases = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Lists images, one row per tag: REPOSITORY TAG IMAGE ID SIZE SHARED UNIQUE.",
      "SHARED is what the image's chunks take that another image uses too, UNIQUE the rest."
    })
final class ImageListCommand extends ClientCommand {
  /** The image table of {@code image ls} and {@code system df -v}. */
  static void print(PrintStream out, List<ImageItem> items) {
    Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "SIZE", "SHARED", "UNIQUE");
    for (ImageItem i : items) {
      t.row(
          i.repository(),
          i.tag(),
          ImageCommand.shortId(i.id()),
          ByteSize.human(i.size()),
          ByteSize.human(i.sharedSize()),
          ByteSize.human(i.uniqueSize()));
    }
    t.print(out);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<ImageItem> items = client.images();
    if (cli.json()) {
      cli.printJson(items);
    } else {
      print(cli.terminal().out(), items);
    }
    return ExitStatus.OK;
  }
}

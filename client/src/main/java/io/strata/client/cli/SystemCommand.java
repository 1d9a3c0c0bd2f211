package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.DiskUsageReply;
import io.strata.protocol.message.ImageItem;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata system ...}: the store as a whole. */
@Command(
    name = "system",
    mixinStandardHelpOptions = true,
    description = "The store as a whole.",
    subcommands = SystemCommand.DiskUsageCommand.class)
final class SystemCommand extends CommandGroup {
  /** {@code strata system df [-v]}. */
  @Command(
      name = "df",
      mixinStandardHelpOptions = true,
      description =
          "What images, containers and volumes take: TYPE TOTAL ACTIVE SIZE RECLAIMABLE; -v adds"
              + " one row per image.")
  static final class DiskUsageCommand extends ClientCommand {
    @Option(
        names = {"-v", "--verbose"},
        description = "Also list every image.")
    boolean verbose;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      DiskUsageReply r = client.diskUsage();
      List<ImageItem> images = verbose ? client.images() : List.of();
      if (cli.json()) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", r.images());
        out.put("containers", r.containers());
        out.put("volumes", r.volumes());
        if (verbose) {
          out.put("imageList", images);
        }
        cli.printJson(out);
        return ExitStatus.OK;
      }
      PrintStream out = cli.terminal().out();
      Table t = new Table("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
      row(t, "Images", r.images());
      row(t, "Containers", r.containers());
      row(t, "Local Volumes", r.volumes());
      t.print(out);
      if (verbose) {
        out.println();
        out.println("Images space usage:");
        out.println();
        ImageListCommand.print(out, images);
      }
      return ExitStatus.OK;
    }

    private static void row(Table t, String type, DiskUsageReply.Row r) {
      t.row(
          type,
          Long.toString(r.total()),
          Long.toString(r.active()),
          ByteSize.human(r.size()),
          ByteSize.human(r.reclaimable()));
    }
  }
}

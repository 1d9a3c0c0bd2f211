package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.FileItem;
import io.strata.protocol.message.PathArgs;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata fs C ls [-l] [PATH]}. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "Lists a directory of the container, one name a line, by name; -l adds mode, links, owner,"
          + " group, size, mtime and link targets.",
      "--json prints every entry's name, type, mode, uid, gid, size, nlink, mtime, linkTarget."
    })
final class FsListCommand extends FsSubcommand {
  @Parameters(paramLabel = "PATH", defaultValue = "/", description = "The directory (default: /).")
  String path;

  /**
   * {@code ls -l --time-style=long-iso}, in UTC: the server's clock, whatever the client's zone.
   */
  private static final DateTimeFormatter LONG_ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Option(names = "-l", description = "Long listing (times in UTC).")
  boolean longFormat;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<FileItem> items = client.listFiles(new PathArgs(container(), FsCommand.absolute(path)));
    PrintStream out = cli.terminal().out();
    if (cli.json()) {
      cli.printJson(items);
    } else if (longFormat) {
      Table t = new Table();
      for (FileItem f : items) {
        t.row(
            FileMode.symbolic(f),
            Long.toString(f.nlink()),
            Long.toString(f.uid()),
            Long.toString(f.gid()),
            Long.toString(f.size()),
            LONG_ISO.format(Instant.parse(f.mtime())),
            f.linkTarget() == null ? f.name() : f.name() + " -> " + f.linkTarget());
      }
      t.print(out);
    } else {
      items.forEach(f -> out.println(f.name()));
    }
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.FileItem;
import io.strata.protocol.message.PathArgs;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata fs C stat PATH}. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = {
      "Shows what a path of the container is (a symlink itself, not its target): type, size,"
          + " mode, owner, links, mtime.",
      "--json prints name, type, mode, uid, gid, size, nlink, mtime, linkTarget."
    })
final class FsStatCommand extends FsSubcommand {
  @Parameters(paramLabel = "PATH", description = "The path in the container.")
  String path;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    String target = FsCommand.absolute(path);
    FileItem f = client.stat(new PathArgs(container(), target));
    if (cli.json()) {
      cli.printJson(f);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    out.println("  File: " + target + (f.linkTarget() == null ? "" : " -> " + f.linkTarget()));
    out.println("  Type: " + f.type());
    out.println("  Size: " + f.size());
    out.println("  Mode: " + FileMode.octal(f.mode()) + " (" + FileMode.symbolic(f) + ")");
    out.println("   Uid: " + f.uid() + "  Gid: " + f.gid());
    out.println(" Links: " + f.nlink());
    out.println("Modify: " + f.mtime());
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.MountReply;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata umount DIR}. */
@Command(
    name = "umount",
    mixinStandardHelpOptions = true,
    description = {
      "Unmounts a container mounted with `strata mount`, after making its changes durable; a busy"
          + " mount is detached at once and finished when its last file is closed."
    })
final class UmountCommand extends ClientCommand {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The mount point on the server's host (a relative path is taken from here).")
  Path dir;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    MountReply r = client.umount(dir.toAbsolutePath().normalize().toString());
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.dir());
    }
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.MountReply;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata mount CONTAINER DIR}. */
@Command(
    name = "mount",
    mixinStandardHelpOptions = true,
    description = {
      "Mounts a container's file system (read-write, volumes included) at DIR on the server's host"
          + " through FUSE, for ordinary programs to use; `strata umount DIR` undoes it. DIR must"
          + " exist, be empty and lie under one of the server's --allow-bind directories."
    })
final class MountCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "CONTAINER", description = "Its name, id or id prefix.")
  String container;

  @Parameters(
      index = "1",
      paramLabel = "DIR",
      description = "The mount point on the server's host (a relative path is taken from here).")
  Path dir;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    MountReply r = client.mount(container, dir.toAbsolutePath().normalize().toString());
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.dir());
    }
    return ExitStatus.OK;
  }
}

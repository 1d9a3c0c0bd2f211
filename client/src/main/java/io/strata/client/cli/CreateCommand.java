package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.CreateReply;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata create [--name N] [-v SPEC]... [--mount SPEC]... IMAGE}. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Creates a container: a writable snapshot of IMAGE. Prints its id.",
      "Writes under a volume or bind-mount target go to the volume or the host directory, not the"
          + " writable layer, and survive strata rm."
    })
final class CreateCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The container's name ([a-zA-Z0-9][a-zA-Z0-9_.-]+; default: generated).")
  String name;

  @Option(
      names = {"-v", "--volume"},
      paramLabel = "SPEC",
      description = {
        "NAME:/target[:ro] (a named volume, created if missing), /host/dir:/target[:ro] (a bind"
            + " mount; the server's --allow-bind must cover it) or /target (an anonymous volume)."
      })
  List<String> volumes = new ArrayList<>();

  @Option(
      names = "--mount",
      paramLabel = "SPEC",
      description = "type=volume|bind,source=S,target=T[,readonly], as in Docker.")
  List<String> mounts = new ArrayList<>();

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    CreateReply r = client.createContainer(new CreateArgs(image, name, volumes, mounts));
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.id());
    }
    return ExitStatus.OK;
  }
}

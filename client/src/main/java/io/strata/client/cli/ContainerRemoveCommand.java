package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.ContainerReply;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata rm [-f] [-v] CONTAINER...}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Removes containers: their writable layers. Named volumes stay; -v also removes anonymous"
          + " ones no other container mounts.",
      "Prints each container as it was named; a failure is reported and the rest are still"
          + " removed (exit non-zero)."
    })
final class ContainerRemoveCommand extends ClientCommand {
  @Parameters(
      paramLabel = "CONTAINER",
      arity = "1..*",
      description = "Names, ids or unique id prefixes.")
  List<String> containers;

  @Option(
      names = {"-f", "--force"},
      description =
          "Accepted for Docker's sake: no container runs, so there is nothing to stop. It does not"
              + " unmount: a mounted container is refused with or without -f (strata umount it"
              + " first), since its mount may be in use.")
  boolean force;

  @Option(
      names = {"-v", "--volumes"},
      description = "Also remove the containers' anonymous volumes.")
  boolean volumes;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<ContainerReply> removed = new ArrayList<>();
    int code =
        EachArgument.run(
            cli,
            containers,
            c -> {
              removed.add(client.removeContainer(new ContainerRemoveArgs(c, force, volumes)));
              if (!cli.json()) {
                cli.terminal().out().println(c);
              }
            });
    if (cli.json()) {
      cli.printJson(removed);
    }
    return code;
  }
}

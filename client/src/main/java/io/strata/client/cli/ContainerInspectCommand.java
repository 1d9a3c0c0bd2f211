package io.strata.client.cli;

import io.strata.client.StrataClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata inspect CONTAINER}: JSON, with or without {@code --json}, as docker inspect. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Prints the container as JSON: id, name, image, imageId, created, mounts.")
final class ContainerInspectCommand extends ClientCommand {
  @Parameters(paramLabel = "CONTAINER", description = "Its name, id or a unique id prefix.")
  String container;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    cli.printJson(client.inspectContainer(container));
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.VolumeItem;
import java.io.PrintStream;
import java.util.List;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata __complete images|containers|volumes|all}: the names the server knows, one a line,
 * for the completion script ({@code strata completion}) to offer. Hidden from the help.
 */
@Command(name = "__complete", hidden = true, description = "Names for shell completion.")
final class NamesCommand extends ClientCommand {
  @Parameters(paramLabel = "KIND", description = "images, containers, volumes or all.")
  String kind;

  @Override
  void checkArguments() {
    if (!List.of("images", "containers", "volumes", "all").contains(kind)) {
      throw new ParameterException(
          spec.commandLine(),
          "__complete " + kind + ": expected images, containers, volumes or all");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    TreeSet<String> names = new TreeSet<>();
    if (kind.equals("images") || kind.equals("all")) {
      for (ImageItem i : client.images()) {
        if (!ImageListCommand.dangling(i)) {
          names.add(i.repository() + ":" + i.tag());
        }
      }
    }
    if (kind.equals("containers") || kind.equals("all")) {
      for (ContainerItem c : client.containers()) {
        names.add(c.name());
      }
    }
    if (kind.equals("volumes")) {
      for (VolumeItem v : client.volumes()) {
        names.add(v.name());
      }
    }
    PrintStream out = cli.terminal().out();
    names.forEach(out::println);
    return ExitStatus.OK;
  }
}

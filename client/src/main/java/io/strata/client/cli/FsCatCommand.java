package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.message.ReadArgs;
import java.io.OutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata fs C cat PATH}. */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    description = "Writes the exact bytes of a file in the container to standard output.")
final class FsCatCommand extends FsSubcommand {
  @Parameters(paramLabel = "PATH", description = "A regular file in the container.")
  String path;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    TransferListener progress = ProgressBar.of(cli, "cat", -1);
    OutputStream out = cli.terminal().stdout();
    String file = FsCommand.absolute(path);
    client.readFile(new ReadArgs(container(), file, null, null), out, progress);
    out.flush();
    ProgressBar.finish(progress);
    return ExitStatus.OK;
  }
}

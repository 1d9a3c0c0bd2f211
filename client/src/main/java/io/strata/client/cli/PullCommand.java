package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import java.io.IOException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata pull IMAGE --from HOST:PORT}. */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description =
        "Fetches IMAGE from another stratad into this one; only the chunks this host lacks cross"
            + " the wire.")
final class PullCommand extends HostTransferCommand {
  @Option(
      names = "--from",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The stratad to fetch the image from.")
  String from;

  @Override
  String otherHost() {
    return from;
  }

  @Override
  String hostOption() {
    return "--from";
  }

  @Override
  String label() {
    return "pull";
  }

  @Override
  TransferReply transfer(
      StrataClient client, TransferArgs args, Consumer<TransferProgress> progress)
      throws IOException {
    return client.pull(args, progress);
  }
}

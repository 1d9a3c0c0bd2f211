package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import java.io.IOException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata push IMAGE --to HOST:PORT}. */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description = "Sends IMAGE to another stratad; only the chunks that host lacks cross the wire.")
final class PushCommand extends HostTransferCommand {
  @Option(
      names = "--to",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The stratad to send the image to.")
  String to;

  @Override
  String otherHost() {
    return to;
  }

  @Override
  String hostOption() {
    return "--to";
  }

  @Override
  String label() {
    return "push";
  }

  @Override
  TransferReply transfer(
      StrataClient client, TransferArgs args, Consumer<TransferProgress> progress)
      throws IOException {
    return client.push(args, progress);
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import io.strata.protocol.registry.RegistryRef;
import java.io.IOException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code strata pull IMAGE --from HOST:PORT}, or {@code strata pull REGISTRY/REPO:TAG}. */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description = {
      "Fetches IMAGE from another stratad (--from) into this one; only the chunks this host lacks"
          + " cross the wire.",
      "Without --from, IMAGE is REGISTRY/REPO:TAG and is pulled from that OCI registry."
    })
final class PullCommand extends HostTransferCommand {
  @Option(
      names = "--from",
      paramLabel = "HOST:PORT",
      description = "The stratad to fetch the image from.")
  String from;

  @Override
  void checkArguments() {
    if (from == null) {
      try {
        RegistryRef.parse(image);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(),
            "pull: give --from HOST:PORT, or IMAGE as REGISTRY/REPO:TAG (" + e.getMessage() + ")");
      }
      return;
    }
    super.checkArguments();
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (from == null) {
      return RegistryTransfers.pull(
          client, cli, RegistryRef.parse(image), remote.plainHttp, remote.secret());
    }
    return super.run(client, cli);
  }

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

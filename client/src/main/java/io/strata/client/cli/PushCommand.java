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
import picocli.CommandLine.Parameters;

/** {@code strata push IMAGE --to HOST:PORT}, or {@code strata push IMAGE REGISTRY/REPO:TAG}. */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description = {
      "Sends IMAGE to another stratad (--to); only the chunks that host lacks cross the wire.",
      "With REGISTRY/REPO:TAG instead, pushes IMAGE to an OCI registry; blobs it has are not sent."
    })
final class PushCommand extends HostTransferCommand {
  @Option(
      names = "--to",
      paramLabel = "HOST:PORT",
      description = "The stratad to send the image to.")
  String to;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "REGISTRY/REPO:TAG",
      description = "An OCI registry to push to instead of a stratad.")
  String destination;

  @Override
  void checkArguments() {
    if ((to == null) == (destination == null)) {
      throw new ParameterException(
          spec.commandLine(), "push: give either --to HOST:PORT or REGISTRY/REPO:TAG");
    }
    if (destination != null) {
      try {
        RegistryRef.parse(destination);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      return;
    }
    super.checkArguments();
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (destination == null) {
      return super.run(client, cli);
    }
    return RegistryTransfers.push(
        client, cli, image, RegistryRef.parse(destination), remote.plainHttp, remote.secret());
  }

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

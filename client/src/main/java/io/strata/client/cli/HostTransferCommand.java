package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.AlreadyPresent;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import java.io.IOException;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata push} and {@code strata pull}: the server moves an image to or from another
 * stratad, sending only the chunks the receiving host lacks, and prints what crossed the wire.
 */
abstract class HostTransferCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Mixin RegistryOptions remote;

  /** The other host, {@code HOST:PORT}, as given. */
  abstract String otherHost();

  /** The option that names the other host, for messages. */
  abstract String hostOption();

  /** Runs the transfer on the server; {@code progress} hears how far it is. */
  abstract TransferReply transfer(
      StrataClient client, TransferArgs args, Consumer<TransferProgress> progress)
      throws IOException;

  /** The command's name, which labels its progress bar. */
  abstract String label();

  @Override
  void checkArguments() {
    try {
      HostPort.parse(otherHost());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), hostOption() + ": " + e.getMessage());
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    String token = remote.secret();
    // The bar starts with the first progress line, which tells how much is to cross.
    TransferListener[] bar = {null};
    long[] shown = {0};
    TransferReply r;
    try {
      r =
          transfer(
              client,
              new TransferArgs(image, otherHost(), token),
              p -> {
                if (bar[0] == null) {
                  bar[0] = ProgressBar.of(cli, label(), p.bytesToSend());
                }
                bar[0].transferred(p.bytesSent() - shown[0]);
                shown[0] = p.bytesSent();
              });
    } finally {
      if (bar[0] != null) {
        ProgressBar.finish(bar[0]);
      }
    }
    if (bar[0] == null) {
      // Nothing crossed, so no progress line came: the summary says so all the same.
      ProgressBar.finish(ProgressBar.of(cli, label(), 0));
    }
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(summary(r));
    }
    return ExitStatus.OK;
  }

  /** {@code sent N of M chunks, X of Y bytes (Z% already present)}. */
  static String summary(TransferReply r) {
    return String.format(
        Locale.ROOT,
        "sent %d of %d chunks, %d of %d bytes (%s%% already present)",
        r.chunksSent(),
        r.chunksTotal(),
        r.bytesSent(),
        r.bytesTotal(),
        AlreadyPresent.percent(r.bytesSent(), r.bytesTotal()));
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata blob get DIGEST [-o FILE]}. With {@code -o} the bytes go to a temporary file beside
 * FILE that is renamed over it only when the whole object arrived, so a failure never leaves a
 * partial FILE.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Writes the exact bytes of an object to standard output or to FILE.")
final class BlobGetCommand extends ClientCommand {
  @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex> of the object.")
  String digest;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description =
          "Write to FILE (replaced only on success) instead of standard output; - is standard"
              + " output, as for save and export.")
  Path output;

  @Option(
      names = "--offset",
      paramLabel = "N",
      defaultValue = "0",
      description = "Start at byte N (default 0).")
  long offset;

  @Option(
      names = "--length",
      paramLabel = "N",
      defaultValue = "-1",
      description = "Write at most N bytes (default: to the end).")
  long length;

  @Override
  void checkArguments() {
    DigestText.check(spec, digest);
    if (offset < 0) {
      throw new ParameterException(spec.commandLine(), "--offset " + offset + " is negative");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    // the object's size first, so that the bar has a total and an ETA
    long rest = Math.max(0, client.stat(digest).size() - offset);
    long total = length >= 0 ? Math.min(length, rest) : rest;
    TransferListener progress = ProgressBar.of(cli, "get", total);
    if (output == null || output.toString().equals("-")) {
      OutputStream out = cli.terminal().stdout();
      client.get(digest, offset, length, out, progress);
      out.flush();
    } else {
      toFile(client, progress);
    }
    ProgressBar.finish(progress);
    return ExitStatus.OK;
  }

  private void toFile(StrataClient client, TransferListener progress) throws IOException {
    LocalOutput.file(output, out -> client.get(digest, offset, length, out, progress));
  }
}

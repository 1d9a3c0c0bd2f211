package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.tar.TarUnpacker;
import io.strata.protocol.message.ExportArgs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata image export NAME:TAG -o PATH [--format oci|docker-archive]}. The server streams a
 * tar; {@code --format oci} with a PATH not ending in {@code .tar} is unpacked into the directory
 * PATH (an OCI image layout), anything else is written as the tar file PATH.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes an image that skopeo, umoci and docker load accept; layer diff_ids are the imported"
          + " ones.",
      "--format oci (default) writes an OCI layout directory, or a tar of it when PATH ends in"
          + " .tar; docker-archive writes a docker save tar."
    })
final class ImageExportCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "PATH",
      required = true,
      description = "The directory or tar file to write (replaced only on success).")
  Path output;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = ExportArgs.OCI,
      description = "oci (default) or docker-archive.")
  String format;

  @Override
  void checkArguments() {
    if (!format.equals(ExportArgs.OCI) && !format.equals(ExportArgs.DOCKER_ARCHIVE)) {
      throw new ParameterException(
          spec.commandLine(), "--format " + format + ": expected oci or docker-archive");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    ExportArgs args = new ExportArgs(image, format);
    TransferListener progress = ProgressBar.forTerminal(cli.terminal(), "export", -1);
    long[] bytes = new long[1];
    if (format.equals(ExportArgs.OCI) && !output.getFileName().toString().endsWith(".tar")) {
      LocalOutput.directory(output, dir -> bytes[0] = unpack(client, args, dir, progress));
    } else {
      LocalOutput.file(output, out -> bytes[0] = client.exportImage(args, out, progress));
    }
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(Map.of("image", image, "output", output.toString(), "bytes", bytes[0]));
    }
    return ExitStatus.OK;
  }

  private long unpack(StrataClient client, ExportArgs args, Path dir, TransferListener progress)
      throws IOException {
    String what = "export of image " + image;
    return PipedUnpack.run(
        what,
        out -> client.exportImage(args, out, progress),
        in -> TarUnpacker.unpack(in, dir, what));
  }
}

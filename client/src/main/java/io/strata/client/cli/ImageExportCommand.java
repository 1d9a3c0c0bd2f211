package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.tar.TarUnpacker;
import io.strata.protocol.message.ExportArgs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata image export IMAGE [-o PATH] [--type oci|docker-archive]}. The server streams a
 * tar; {@code --type oci} with a PATH not ending in {@code .tar} is unpacked into the directory
 * PATH (an OCI image layout), anything else is written as the tar file PATH, or to standard output
 * without {@code -o}. {@code --type} was {@code --format}, a name docker gives Go templates; the
 * old spelling, which SPEC names, is still accepted.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes an image that skopeo, umoci and docker load accept; layer diff_ids are the imported"
          + " ones.",
      "--type oci (default) writes an OCI layout directory, or a tar of it when PATH ends in .tar"
          + " or goes to standard output; docker-archive writes a docker save tar.",
      "Without -o, or with -o -, the tar goes to standard output, which must not be a terminal."
    })
final class ImageExportCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "PATH",
      description =
          "The directory or tar file to write (replaced only on success); - is standard output.")
  String output;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "oci (default) or docker-archive. (--format is the old, deprecated spelling.)")
  String type;

  @Option(names = "--format", paramLabel = "TYPE", hidden = true)
  String format;

  @Option(
      names = "--layer-compression",
      paramLabel = "CODEC",
      description =
          "gzip (the default in an OCI layout, as docker pushes them), zstd or none (the default"
              + " in a docker-archive, as docker save writes them): how layers Strata made (built,"
              + " committed, imported from a plain tar or directory) are compressed. An image that"
              + " keeps the manifest it arrived with (imported, pulled, pushed to the registry)"
              + " goes as it arrived: same blobs, same digests.")
  String layerCompression;

  @Override
  void checkArguments() {
    if (type != null && format != null && !type.equals(format)) {
      throw new ParameterException(
          spec.commandLine(), "--type " + type + " and --format " + format + " disagree");
    }
    check(spec, "image " + image, type(), output);
    if (layerCompression != null && !List.of("gzip", "zstd", "none").contains(layerCompression)) {
      throw new ParameterException(
          spec.commandLine(),
          "--layer-compression " + layerCompression + ": expected gzip, zstd or none");
    }
  }

  private String type() {
    return type != null ? type : format != null ? format : ExportArgs.OCI;
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return export(client, cli, new ExportArgs(image, type(), layerCompression), output);
  }

  /** Refuses an unknown type, and a tar for standard output when it is a terminal. */
  static void check(CommandSpec spec, String what, String type, String output) {
    if (!type.equals(ExportArgs.OCI) && !type.equals(ExportArgs.DOCKER_ARCHIVE)) {
      throw new ParameterException(
          spec.commandLine(), "--type " + type + ": expected oci or docker-archive");
    }
    StrataCli cli = (StrataCli) spec.root().userObject();
    if (toStdout(output) && cli.terminal().outputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "export of "
              + what
              + ": refusing to write a tar to a terminal; give -o PATH or redirect standard"
              + " output");
    }
  }

  private static boolean toStdout(String output) {
    return output == null || output.equals("-");
  }

  /** Exports {@code image} as {@code type} to {@code output} (null or {@code -}: stdout). */
  static int export(StrataClient client, StrataCli cli, String image, String output, String type)
      throws Exception {
    return export(client, cli, new ExportArgs(image, type), output);
  }

  /** Exports as {@code args} say to {@code output} (null or {@code -}: stdout). */
  static int export(StrataClient client, StrataCli cli, ExportArgs args, String output)
      throws Exception {
    String image = args.image();
    String type = args.format();
    TransferListener progress = ProgressBar.of(cli, "export", -1);
    long[] bytes = new long[1];
    if (toStdout(output)) {
      OutputStream out = cli.terminal().stdout();
      bytes[0] = client.exportImage(args, out, progress);
      out.flush();
      ProgressBar.finish(progress);
      return ExitStatus.OK;
    }
    Path path = Path.of(output);
    if (type.equals(ExportArgs.OCI) && !output.endsWith(".tar")) {
      LocalOutput.directory(path, dir -> bytes[0] = unpack(client, args, dir, progress));
    } else {
      LocalOutput.file(path, out -> bytes[0] = client.exportImage(args, out, progress));
    }
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(Map.of("image", image, "output", output, "bytes", bytes[0]));
    }
    return ExitStatus.OK;
  }

  private static long unpack(
      StrataClient client, ExportArgs args, Path dir, TransferListener progress)
      throws IOException {
    String what = "export of image " + args.image();
    return PipedUnpack.run(
        what,
        out -> client.exportImage(args, out, progress),
        in -> TarUnpacker.unpack(in, dir, what));
  }
}

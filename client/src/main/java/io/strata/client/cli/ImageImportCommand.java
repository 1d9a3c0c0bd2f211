package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.UploadBody;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.ImportReply;
import io.strata.protocol.registry.RegistryRef;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code strata image import PATH|- [-t NAME:TAG]}. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Imports an image from this host: an OCI image layout directory (DIR or DIR:TAG), a docker"
          + " save archive, an OCI layout as a tar, a plain directory or a plain tar (one layer);"
          + " a tar may be compressed (gzip, bzip2, zstd).",
      "- reads the archive from standard input, which must not be a terminal.",
      "docker://REGISTRY/REPO:TAG pulls the image from that OCI registry, as strata pull does.",
      "Layers keep their diff_ids; whiteouts are applied."
    })
final class ImageImportCommand extends ClientCommand {
  @Parameters(
      paramLabel = "PATH",
      description = "The archive or directory (DIR:TAG selects); - is standard input.")
  String path;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "NAME:TAG",
      description = "Tag the image (archives also keep their own tags).")
  String tag;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing but errors.")
  boolean quiet;

  /** For docker:// only. */
  @Mixin RegistryOptions registry;

  private static final String DOCKER = "docker://";

  @Override
  void checkArguments() {
    if (path.startsWith(DOCKER)) {
      try {
        RegistryRef.parse(path.substring(DOCKER.length()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(),
            "image import " + path + ": not docker://REGISTRY/REPO:TAG (" + e.getMessage() + ")");
      }
      return;
    }
    if (registry.given()) {
      throw new ParameterException(
          spec.commandLine(),
          "image import "
              + path
              + ": --plain-http and --remote-token-file apply to docker://REGISTRY/REPO:TAG only");
    }
    refuseTerminalInput(spec, path);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (path.startsWith(DOCKER)) {
      return pull(client, cli, RegistryRef.parse(path.substring(DOCKER.length())));
    }
    return load(client, cli, path, tag, quiet);
  }

  /** {@code docker://REF}: the pull {@code strata pull REF} makes, then the {@code -t} tag. */
  private int pull(StrataClient client, StrataCli cli, RegistryRef ref) throws Exception {
    int code = RegistryTransfers.pull(client, cli, ref, registry.plainHttp, registry.secret());
    if (code == ExitStatus.OK && tag != null) {
      client.tag(ref.toString(), tag);
    }
    return code;
  }

  @Override
  void checkInput(StrataCli cli) throws IOException {
    refuseEmptyInput(cli, path);
  }

  /**
   * Refuses an empty standard input ({@code -}) before connecting, as {@code docker load} does: an
   * empty archive is no image.
   */
  static void refuseEmptyInput(StrataCli cli, String path) throws IOException {
    if (path.equals("-") && cli.terminal().inputEmpty()) {
      throw new IOException("import from standard input: standard input is empty");
    }
  }

  /** Refuses to read an archive from standard input ({@code -}) when it is a terminal. */
  static void refuseTerminalInput(CommandSpec spec, String path) {
    StrataCli cli = (StrataCli) spec.root().userObject();
    if (path.equals("-") && cli.terminal().inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "import from standard input: refusing to read an archive from a terminal; give a PATH"
              + " or redirect standard input");
    }
  }

  /**
   * Imports {@code path} ({@code -}: standard input) and prints docker's {@code Loaded image:}
   * lines, or the reply under {@code --json}.
   */
  static int load(StrataClient client, StrataCli cli, String path, String tag, boolean quiet)
      throws Exception {
    ImportArgs args;
    UploadBody body;
    long size;
    if (path.equals("-")) {
      // named so in messages; also the name of the server's spool file (no "import.tar")
      args = new ImportArgs(tag, null, "stdin");
      body = out -> cli.terminal().in().transferTo(out);
      size = -1;
    } else {
      LocalSource source = LocalSource.of("import source", path, true);
      boolean plain = source.plainTree();
      args = new ImportArgs(tag, source.select(), source.name(), plain);
      body = plain ? source.layerBody() : source.body();
      size = source.size();
    }
    TransferListener progress = ProgressBar.of(cli, "import", size);
    ImportReply r = client.importImage(args, body, progress);
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(r);
      return ExitStatus.OK;
    }
    if (quiet) {
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    for (ImportReply.Image image : r.images()) {
      if (image.tags().isEmpty()) {
        out.println("Loaded image ID: " + image.id());
      }
      for (String t : image.tags()) {
        out.println("Loaded image: " + t);
      }
    }
    return ExitStatus.OK;
  }
}

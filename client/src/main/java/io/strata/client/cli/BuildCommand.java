package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.tar.TreeTar;
import io.strata.protocol.Wire;
import io.strata.protocol.message.BuildArgs;
import io.strata.protocol.message.ImportReply;
import io.strata.protocol.message.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strata build [-f FILE] -t NAME:TAG CONTEXT}. The client sends the Dockerfile's text and
 * the context directory as a tar; the server's build log is printed as it arrives (on stderr with
 * {@code --json}, which prints the result on stdout).
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Builds an image from a Dockerfile: FROM scratch|IMAGE, COPY, ADD (local files and tars),"
          + " ENV, WORKDIR, LABEL, ENTRYPOINT, CMD, USER. RUN is refused: Strata stores images, it"
          + " does not execute them.",
      "Each step prints Step I/N; an unchanged step reuses its layer (Using cache)."
    })
final class BuildCommand extends ClientCommand {
  @Parameters(paramLabel = "CONTEXT", description = "The build context directory.")
  Path context;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "The Dockerfile (default: CONTEXT/Dockerfile).")
  Path file;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "NAME:TAG",
      description = "Tag the result (repeatable).")
  List<String> tags = List.of();

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (!Files.isDirectory(context)) {
      throw new IOException(
          "build context "
              + context
              + (Files.exists(context) ? " is not a directory" : " does not exist"));
    }
    Path dockerfile = file != null ? file : context.resolve("Dockerfile");
    BuildArgs args = new BuildArgs(readDockerfile(dockerfile), tags);
    if (Json.write(args).length > Wire.MAX_ARGS) {
      throw new IOException(
          "Dockerfile "
              + dockerfile
              + " is too large: the request's arguments exceed "
              + Wire.MAX_ARGS
              + " bytes");
    }
    TransferListener progress = ProgressBar.of(cli, "context", -1);
    Path root = context.toRealPath();
    ImportReply r =
        client.build(
            args,
            out -> TreeTar.write(root, out),
            cli.json() ? cli.terminal().err() : cli.terminal().out(),
            progress);
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(r);
    }
    return ExitStatus.OK;
  }

  private static String readDockerfile(Path path) throws IOException {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("Dockerfile " + path + " does not exist", e);
    }
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.UploadBody;
import io.strata.client.tar.DockerIgnore;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata build [-f FILE|-] -t NAME:TAG CONTEXT|-}. The client sends the Dockerfile's text
 * and the context directory as a tar (or the tar standard input holds, {@link StdinBuildContext});
 * the server's build log is printed as it arrives (on stderr with {@code --json}, which prints the
 * result on stdout).
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Builds an image from a Dockerfile: FROM (multi-stage, AS NAME), ARG, COPY (--from=STAGE),"
          + " ADD (local files and tars), ENV, WORKDIR, LABEL, USER, ENTRYPOINT, CMD, EXPOSE,"
          + " VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD. RUN and heredocs are refused:"
          + " Strata stores images, it does not execute them.",
      "CONTEXT/.dockerignore (or FILE.dockerignore beside -f FILE) leaves files out of the"
          + " context before it is sent.",
      "Each step prints Step I/N; an unchanged step reuses its layer (Using cache).",
      "A FROM or COPY --from naming REGISTRY/REPO[:TAG|@DIGEST] (the first component a host with"
          + " a dot or a port, or localhost) that the store lacks is pulled from that registry"
          + " first, by the server as strata pull does (--pull: also one it has); other names"
          + " must be in the store (there is no default registry)."
    })
final class BuildCommand extends ClientCommand {
  @Parameters(
      paramLabel = "CONTEXT",
      description =
          "The build context directory, or - for standard input: a tar (plain or gzip) holding"
              + " the context and its Dockerfile, or a Dockerfile alone (an empty context).")
  Path context;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description =
          "The Dockerfile (default: CONTEXT/Dockerfile); - reads it from standard input; with"
              + " CONTEXT - a path inside the tar.")
  Path file;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "NAME:TAG",
      description = "Tag the result (repeatable).")
  List<String> tags = List.of();

  @Option(
      names = "--build-arg",
      paramLabel = "NAME[=VALUE]",
      description =
          "Set a build-time variable an ARG declares (repeatable); NAME alone takes the value of"
              + " the variable NAME in this environment, if set.")
  List<String> buildArgs = List.of();

  @Option(
      names = "--target",
      paramLabel = "STAGE",
      description = "Build the stage named STAGE and those it needs (default: the last stage).")
  String target;

  @Option(names = "--no-cache", description = "Build every step again, reusing no cached layer.")
  boolean noCache;

  @Option(
      names = "--pull",
      description =
          "Pull every REGISTRY/REPO image the build names, also those the store has (a newer"
              + " version may have been pushed since).")
  boolean pull;

  /** How to reach the registries of FROM images. */
  @Mixin RegistryOptions registry;

  @Override
  void checkArguments() {
    buildArgs();
    if (isStdin(context) && isStdin(file)) {
      throw new ParameterException(
          spec.commandLine(),
          "build: the context and the Dockerfile cannot both be standard input");
    }
    StrataCli cli = (StrataCli) spec.root().userObject();
    if ((isStdin(context) || isStdin(file)) && cli.terminal().inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "build: refusing to read "
              + (isStdin(context) ? "the build context" : "the Dockerfile")
              + " from a terminal; pipe it into standard input");
    }
  }

  private static boolean isStdin(Path p) {
    return p != null && p.toString().equals("-");
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (isStdin(context)) {
      try (StdinBuildContext stdin =
          StdinBuildContext.read(cli.terminal().in(), file == null ? null : file.toString())) {
        return build(
            client,
            cli,
            "Dockerfile "
                + (file == null ? "Dockerfile" : file)
                + " of the context on standard input",
            stdin.dockerfile(),
            stdin::write);
      }
    }
    if (!Files.isDirectory(context)) {
      throw new IOException(
          "build context "
              + context
              + (Files.exists(context) ? " is not a directory" : " does not exist"));
    }
    Path dockerfile = file != null ? file : context.resolve("Dockerfile");
    String text =
        isStdin(file)
            ? new String(cli.terminal().in().readAllBytes(), StandardCharsets.UTF_8)
            : readDockerfile(dockerfile);
    DockerIgnore ignore =
        isStdin(file)
            ? DockerIgnore.read(context.resolve(".dockerignore"))
            : ignoreFile(dockerfile);
    Path root = context.toRealPath();
    return build(
        client,
        cli,
        isStdin(file) ? "the Dockerfile from standard input" : "Dockerfile " + dockerfile,
        text,
        out -> TreeTar.write(root, out, ignore));
  }

  /** Sends the build: {@code what} names the Dockerfile in errors. */
  private int build(
      StrataClient client, StrataCli cli, String what, String dockerfile, UploadBody context)
      throws IOException {
    BuildArgs args =
        new BuildArgs(
            dockerfile,
            tags,
            buildArgs(),
            target,
            noCache,
            pull,
            registry.plainHttp,
            registry.secret());
    if (Json.write(args).length > Wire.MAX_ARGS) {
      throw new IOException(
          what + " is too large: the request's arguments exceed " + Wire.MAX_ARGS + " bytes");
    }
    TransferListener progress = ProgressBar.of(cli, "context", -1);
    ImportReply r;
    try (BuildLog log =
        new BuildLog(
            cli.json() ? cli.terminal().err() : cli.terminal().out(),
            (ref, total) -> ProgressBar.of(cli, "pull " + ref, total))) {
      r = client.build(args, context, log, progress);
    }
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(r);
    }
    return ExitStatus.OK;
  }

  /** {@code --build-arg}s as docker reads them: NAME alone takes the environment's value. */
  private Map<String, String> buildArgs() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : buildArgs) {
      int eq = a.indexOf('=');
      if (eq == 0) {
        throw new ParameterException(spec.commandLine(), "--build-arg " + a + ": no name");
      }
      if (eq > 0) {
        out.put(a.substring(0, eq), a.substring(eq + 1));
      } else if (System.getenv(a) != null) {
        out.put(a, System.getenv(a));
      }
    }
    return out;
  }

  /**
   * The ignore file: {@code FILE.dockerignore} beside the Dockerfile if there is one (as BuildKit
   * reads it), else {@code CONTEXT/.dockerignore}.
   */
  private DockerIgnore ignoreFile(Path dockerfile) throws IOException {
    Path own = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
    return DockerIgnore.read(Files.exists(own) ? own : context.resolve(".dockerignore"));
  }

  private static String readDockerfile(Path path) throws IOException {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("Dockerfile " + path + " does not exist", e);
    }
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.CreateReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata create [--name N] [-v SPEC]... [--mount SPEC]... [-e KEY=VALUE]... [--label
 * KEY=VALUE]... [-w DIR] IMAGE}.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Creates a container: a writable snapshot of IMAGE. Prints its id.",
      "Writes under a volume or bind-mount target go to the volume or the host directory, not the"
          + " writable layer, and survive strata rm.",
      "As in Docker, each VOLUME of the image gets an anonymous volume unless a mount has that"
          + " target, and a new or empty volume over a directory of the image starts with a copy"
          + " of its files (not with nocopy; bind mounts never)."
    })
final class CreateCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The container's name ([a-zA-Z0-9][a-zA-Z0-9_.-]+; default: generated).")
  String name;

  @Option(
      names = {"-v", "--volume"},
      paramLabel = "SPEC",
      description = {
        "NAME:/target[:ro][,nocopy] (a named volume, created if missing), /host/dir:/target[:ro]"
            + " (a bind mount; the server's --allow-bind must cover it; a missing /host/dir is"
            + " made, 0755, as in Docker) or /target[:ro][,nocopy] (an anonymous volume)."
      })
  List<String> volumes = new ArrayList<>();

  @Option(
      names = "--mount",
      paramLabel = "SPEC",
      description = "type=volume|bind,source=S,target=T[,readonly][,volume-nocopy], as in Docker.")
  List<String> mounts = new ArrayList<>();

  @Option(
      names = {"-e", "--env"},
      paramLabel = "KEY[=VALUE]",
      description = "Set an environment variable; KEY alone takes this shell's value, as docker.")
  List<String> env = new ArrayList<>();

  @Option(
      names = "--env-file",
      paramLabel = "FILE",
      description = "Read KEY=VALUE lines from FILE (# comments and blank lines are skipped).")
  List<Path> envFiles = new ArrayList<>();

  @Option(
      names = {"-l", "--label"},
      paramLabel = "KEY[=VALUE]",
      description = "Set a label (shown by inspect under Config.Labels).")
  List<String> labels = new ArrayList<>();

  @Option(
      names = {"-w", "--workdir"},
      paramLabel = "DIR",
      description = "The working directory, an absolute path (default: the image's).")
  String workdir;

  @Override
  void checkArguments() {
    if (workdir != null && !workdir.startsWith("/")) {
      throw new ParameterException(
          spec.commandLine(),
          "--workdir " + workdir + ": the working directory must be an absolute path");
    }
    for (String e : env) {
      if (e.isEmpty() || e.startsWith("=")) {
        throw new ParameterException(spec.commandLine(), "--env '" + e + "': KEY is empty");
      }
    }
    for (String l : labels) {
      if (l.isEmpty() || l.startsWith("=")) {
        throw new ParameterException(spec.commandLine(), "--label '" + l + "': KEY is empty");
      }
    }
  }

  /** The entries of --env-file and -e, in that order, as docker reads them. */
  private List<String> environment(Terminal t) throws IOException {
    List<String> all = new ArrayList<>();
    for (Path f : envFiles) {
      List<String> lines;
      try {
        lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new IOException("env file " + f + " does not exist", e);
      }
      for (String line : lines) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#")) {
          all.add(l);
        }
      }
    }
    all.addAll(env);
    List<String> resolved = new ArrayList<>();
    for (String e : all) {
      if (e.contains("=")) {
        resolved.add(e);
      } else if (t.env().containsKey(e)) {
        resolved.add(e + "=" + t.env().get(e));
      }
    }
    return resolved;
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    CreateReply r =
        client.createContainer(
            new CreateArgs(
                image, name, volumes, mounts, environment(cli.terminal()), labels, workdir));
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.id());
    }
    return ExitStatus.OK;
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.tar.TreeTar;
import io.strata.client.tar.TreeUnpacker;
import io.strata.protocol.message.CopyInArgs;
import io.strata.protocol.message.CopyOutArgs;
import io.strata.protocol.message.PathReply;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata cp [-L] SRC DEST}, with {@code docker cp}'s rules between {@code CONTAINER:PATH}
 * and a path of this host. The client reads and writes its own paths and the tars cross the wire,
 * so client and server may run on different hosts.
 */
@Command(
    name = "cp",
    mixinStandardHelpOptions = true,
    description = {
      "Copies files between a container and this host, as docker cp does.",
      "  strata cp CONTAINER:SRC DEST   strata cp SRC CONTAINER:DEST",
      "A directory is copied with everything under it; SRC/. copies its content only. Into an"
          + " existing directory DEST, SRC lands as DEST/NAME; a missing DEST is created (its"
          + " parent must exist); a DEST ending in / must be an existing directory. Symlinks in"
          + " CONTAINER:DEST are followed inside the container's root, the last one too: a"
          + " copy to a link to a directory goes into it, one to a link to a file writes the"
          + " file.",
      "- as DEST writes a tar of SRC to standard output (not a terminal); - as SRC reads a tar"
          + " from standard input and unpacks it into the container's DEST, which must be an"
          + " existing directory.",
      "Entries of a received tar that would land outside DEST (.., absolute names, paths through"
          + " symlinks, hard links out) are refused."
    })
final class CopyCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "SRC", description = "CONTAINER:PATH, a local path or -.")
  String sourceText;

  @Parameters(index = "1", paramLabel = "DEST", description = "CONTAINER:PATH, a local path or -.")
  String destinationText;

  @Option(
      names = {"-L", "--follow-link"},
      description =
          "Follow a symlink SRC and copy what it leads to. For CONTAINER:SRC the links are"
              + " resolved inside the container's root and the copy keeps the link's name.")
  boolean followLink;

  private CopyPath source;
  private CopyPath destination;

  @Override
  void checkArguments() {
    try {
      source = CopyPath.parse(sourceText);
      destination = CopyPath.parse(destinationText);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (source.inContainer() == destination.inContainer()) {
      throw new ParameterException(
          spec.commandLine(),
          source.inContainer()
              ? "cp: copying between containers is not supported; copy through this host"
              : "cp: one of SRC and DEST must be CONTAINER:PATH");
    }
    Terminal t = cli().terminal();
    if (destination.stream() && t.outputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "cp: refusing to write a tar to a terminal; redirect standard output");
    }
    if (source.stream() && t.inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(), "cp: - reads a tar from standard input, which is a terminal");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    TransferListener progress = ProgressBar.of(cli, "cp", -1);
    if (source.inContainer()) {
      copyOut(client, cli, progress);
    } else {
      PathReply r = copyIn(client, cli, progress);
      if (cli.json()) {
        cli.printJson(Map.of("container", destination.container(), "path", r.path()));
      }
    }
    ProgressBar.finish(progress);
    return ExitStatus.OK;
  }

  private void copyOut(StrataClient client, StrataCli cli, TransferListener progress)
      throws IOException {
    CopyOutArgs args = new CopyOutArgs(source.container(), source.path(), followLink);
    String what = "cp of " + source;
    if (destination.stream()) {
      OutputStream out = cli.terminal().stdout();
      client.copyOut(args, out, progress);
      out.flush();
      return;
    }
    List<String> skipped = Collections.synchronizedList(new ArrayList<>());
    LocalCopy.receive(
        source,
        destination.path(),
        stage ->
            PipedUnpack.run(
                what,
                out -> client.copyOut(args, out, progress),
                in -> skipped.addAll(TreeUnpacker.unpack(in, stage, what))));
    warnSkipped(cli, skipped);
  }

  /**
   * Names the extended attributes the copy could not set (a non-root user's {@code
   * security.capability}, a file system without them): kept by the container, not by the copy.
   */
  private static void warnSkipped(StrataCli cli, List<String> skipped) {
    if (skipped.isEmpty()) {
      return;
    }
    int shown = Math.min(skipped.size(), 5);
    cli.terminal()
        .err()
        .println(
            "strata cp: warning: "
                + skipped.size()
                + (skipped.size() == 1 ? " extended attribute was" : " extended attributes were")
                + " not set on this host (as tar -x does without the privilege): "
                + String.join(", ", skipped.subList(0, shown))
                + (skipped.size() > shown ? ", and " + (skipped.size() - shown) + " more" : ""));
  }

  private PathReply copyIn(StrataClient client, StrataCli cli, TransferListener progress)
      throws IOException {
    String path = destination.path();
    if (source.stream()) {
      CopyInArgs args = new CopyInArgs(destination.container(), path, CopyInArgs.STREAM);
      return client.copyIn(args, out -> cli.terminal().in().transferTo(out), progress);
    }
    Path local = localSource();
    // SRC/. of a directory: the server, which follows DEST's links, puts the content in DEST
    String form = source.contentOnly() ? CopyInArgs.CONTENT : CopyInArgs.NAMED;
    // the top name of a content copy is dropped or replaced by the server: / has none of its own
    String name = local.getFileName() == null ? "root" : local.getFileName().toString();
    return client.copyIn(
        new CopyInArgs(destination.container(), path, form),
        out -> TreeTar.writeNamed(local, name, out),
        progress);
  }

  /** The local source, checked: it exists, is a directory if written so, and has a name. */
  private Path localSource() throws IOException {
    Path path = Path.of(source.path()).toAbsolutePath().normalize();
    if (followLink) {
      path = path.toRealPath();
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("cp: source " + source + " does not exist");
    }
    boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    if (source.directorySyntax() && !directory) {
      throw new IOException("cp: source " + source + " is not a directory");
    }
    if (path.getFileName() == null && !source.contentOnly()) {
      throw new IOException("cp: source " + source + " has no name; copy its content with /.");
    }
    return path;
  }
}

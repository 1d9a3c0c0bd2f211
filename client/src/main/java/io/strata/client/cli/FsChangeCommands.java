package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.FsChangeArgs;
import io.strata.protocol.message.PathReply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * The {@code strata fs C} operations that change a path without a payload, each one {@code
 * fs.change} request: rm, mkdir, mv, ln, chmod, truncate. They print nothing on success, as the
 * coreutils do; {@code --json} prints the changed paths.
 */
final class FsChangeCommands {
  private FsChangeCommands() {}

  /** One change request per path, going on past failures as {@code rm a b} does. */
  abstract static class FsChangeCommand extends FsSubcommand {
    /** The request for {@code path} (already absolute). */
    abstract FsChangeArgs args(String path);

    /** The paths to change. */
    abstract List<String> paths();

    @Override
    int run(StrataClient client, StrataCli cli) throws IOException {
      List<PathReply> changed = new ArrayList<>();
      int code =
          EachArgument.run(
              cli, paths(), p -> changed.add(client.changeFile(args(FsCommand.absolute(p)))));
      if (cli.json()) {
        cli.printJson(changed);
      }
      return code;
    }

    /**
     * The request of operation {@code op}; {@code flag} is its one boolean option ({@code rm -r},
     * {@code mkdir -p}, {@code ln -s}) and is ignored by the others.
     */
    FsChangeArgs change(
        String op, String path, String target, Integer mode, Long size, boolean flag) {
      return new FsChangeArgs(
          container(),
          op,
          path,
          target,
          mode,
          size,
          flag && op.equals(FsChangeArgs.RM),
          flag && op.equals(FsChangeArgs.MKDIR),
          flag && op.equals(FsChangeArgs.LN));
    }
  }

  /** {@code rm [-r] PATH...}. */
  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = {
        "Removes files and links; a directory, empty or not, only with -r, which removes"
            + " everything under it.",
        "Removing a file of the image records a whiteout (a D line in strata diff)."
      })
  static final class Remove extends FsChangeCommand {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Paths in the container.")
    List<String> paths;

    @Option(
        names = {"-r", "-R", "--recursive"},
        description = "Remove directories and their content.")
    boolean recursive;

    @Override
    List<String> paths() {
      return paths;
    }

    @Override
    FsChangeArgs args(String path) {
      return change(FsChangeArgs.RM, path, null, null, null, recursive);
    }
  }

  /** {@code mkdir [-p] [-m MODE] PATH...}. */
  @Command(
      name = "mkdir",
      mixinStandardHelpOptions = true,
      description = "Makes directories (mode 0755 unless -m).")
  static final class MakeDirectory extends FsChangeCommand {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Paths in the container.")
    List<String> paths;

    @Option(
        names = {"-p", "--parents"},
        description = "Make missing parents too, and accept an existing directory.")
    boolean parents;

    @Option(
        names = {"-m", "--mode"},
        paramLabel = "MODE",
        description = "Octal permission bits, such as 0700.")
    String mode;

    private Integer bits;

    @Override
    void checkArguments() {
      bits = mode == null ? null : FileMode.parse(spec, mode);
    }

    @Override
    List<String> paths() {
      return paths;
    }

    @Override
    FsChangeArgs args(String path) {
      return change(FsChangeArgs.MKDIR, path, null, bits, null, parents);
    }
  }

  /** {@code mv SRC DST}. */
  @Command(
      name = "mv",
      mixinStandardHelpOptions = true,
      description =
          "Renames SRC to DST (replacing a file DST). Moves across a volume or bind-mount boundary"
              + " are refused.")
  static final class Move extends FsChangeCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "The path to rename.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Its new path.")
    String target;

    @Override
    List<String> paths() {
      return List.of(source);
    }

    @Override
    FsChangeArgs args(String path) {
      return change(FsChangeArgs.MV, path, FsCommand.absolute(target), null, null, false);
    }
  }

  /** {@code ln [-s] TARGET LINK}. */
  @Command(
      name = "ln",
      mixinStandardHelpOptions = true,
      description = {
        "Makes LINK a hard link to the existing file TARGET, or with -s a symbolic link whose"
            + " text is TARGET (kept as given: relative or absolute)."
      })
  static final class Link extends FsChangeCommand {
    @Parameters(index = "0", paramLabel = "TARGET", description = "What the link points to.")
    String target;

    @Parameters(index = "1", paramLabel = "LINK", description = "The link to make.")
    String link;

    @Option(
        names = {"-s", "--symbolic"},
        description = "Make a symbolic link.")
    boolean symbolic;

    @Override
    List<String> paths() {
      return List.of(link);
    }

    @Override
    FsChangeArgs args(String path) {
      String to = symbolic ? target : FsCommand.absolute(target);
      return change(FsChangeArgs.LN, path, to, null, null, symbolic);
    }
  }

  /** {@code chmod MODE PATH...}. */
  @Command(
      name = "chmod",
      mixinStandardHelpOptions = true,
      description = "Sets permission bits, given in octal (such as 0644 or 4755).")
  static final class ChangeMode extends FsChangeCommand {
    @Parameters(index = "0", paramLabel = "MODE", description = "Octal permission bits.")
    String mode;

    @Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "PATH",
        description = "Paths in the container.")
    List<String> paths;

    private int bits;

    @Override
    void checkArguments() {
      bits = FileMode.parse(spec, mode);
    }

    @Override
    List<String> paths() {
      return paths;
    }

    @Override
    FsChangeArgs args(String path) {
      return change(FsChangeArgs.CHMOD, path, null, bits, null, false);
    }
  }

  /** {@code truncate -s SIZE PATH...}. */
  @Command(
      name = "truncate",
      mixinStandardHelpOptions = true,
      description = "Sets regular files' length: cut, or grown with zeros.")
  static final class Truncate extends FsChangeCommand {
    @Option(
        names = {"-s", "--size"},
        paramLabel = "SIZE",
        required = true,
        description = "The new length in bytes; K, M, G and T suffixes are powers of 1024.")
    String size;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files in the container.")
    List<String> paths;

    private long bytes;

    @Override
    void checkArguments() {
      try {
        bytes = ByteSize.parse(size);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    @Override
    List<String> paths() {
      return paths;
    }

    @Override
    FsChangeArgs args(String path) {
      return change(FsChangeArgs.TRUNCATE, path, null, null, bytes, false);
    }
  }
}

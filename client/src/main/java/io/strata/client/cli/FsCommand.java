package io.strata.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code strata fs CONTAINER OPERATION ...}: file operations inside a container's view. Paths under
 * a volume or bind-mount target act on the volume or the host directory.
 */
@Command(
    name = "fs",
    mixinStandardHelpOptions = true,
    description = {
      "File operations inside a container: strata fs CONTAINER ls|stat|cat|write|rm|mkdir|mv|ln"
          + "|chmod|truncate PATH ...",
      "Paths are absolute inside the container (a relative one is taken from /). Under a volume"
          + " or bind-mount target they act on the volume or the host directory; a path that would"
          + " leave the mount (.., a symlink out) is refused. A missing path exits 4.",
      "An operation's help takes a container too: strata fs CONTAINER truncate --help."
    })
final class FsCommand extends CommandGroup {
  @Parameters(
      index = "0",
      paramLabel = "CONTAINER",
      description = "The container: its name, id or a unique id prefix.")
  String container;

  /**
   * How a user names {@code spec} to ask for its help: its qualified name, with the container an fs
   * operation was given ({@code strata fs web truncate}), since {@code strata fs truncate --help}
   * takes {@code truncate} for a container.
   */
  static String helpName(picocli.CommandLine.Model.CommandSpec spec) {
    picocli.CommandLine.Model.CommandSpec parent = spec.parent();
    if (parent != null && parent.userObject() instanceof FsCommand fs) {
      String c = fs.container == null ? "CONTAINER" : fs.container;
      return parent.qualifiedName() + " " + c + " " + spec.name();
    }
    return spec.qualifiedName();
  }

  /**
   * Makes the usage line of each of {@code fs}'s operations read {@code strata fs CONTAINER
   * truncate ...}, the words that run it (picocli would print {@code strata fs truncate}); {@code
   * fs} null (a tree without it) changes nothing.
   */
  static void synopsesWithContainer(picocli.CommandLine fs) {
    if (fs == null) {
      return;
    }
    String plain = fs.getCommandSpec().qualifiedName() + " ";
    for (picocli.CommandLine op : fs.getSubcommands().values()) {
      op.getHelpSectionMap()
          .put(
              picocli.CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS,
              help ->
                  help.synopsis(help.synopsisHeadingLength())
                      .replaceFirst(
                          java.util.regex.Pattern.quote(plain),
                          java.util.regex.Matcher.quoteReplacement(plain + "CONTAINER ")));
    }
  }

  /** {@code path} as the server takes it: absolute. */
  static String absolute(String path) {
    return path.startsWith("/") ? path : "/" + path;
  }
}

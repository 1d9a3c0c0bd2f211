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
          + " leave the mount (.., a symlink out) is refused. A missing path exits 4."
    })
final class FsCommand extends CommandGroup {
  @Parameters(
      index = "0",
      paramLabel = "CONTAINER",
      description = "The container: its name, id or a unique id prefix.")
  String container;

  /** {@code path} as the server takes it: absolute. */
  static String absolute(String path) {
    return path.startsWith("/") ? path : "/" + path;
  }
}

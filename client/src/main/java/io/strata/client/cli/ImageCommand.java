package io.strata.client.cli;

import picocli.CommandLine.Command;

/** {@code strata image ...}: container images and their layers. */
@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "Container images: import, export, list, inspect, tag, remove and prune.")
final class ImageCommand extends CommandGroup {
  /** The short form of an id Docker prints: 12 hex digits without {@code sha256:}. */
  static String shortId(String id) {
    String hex = id.startsWith("sha256:") ? id.substring(7) : id;
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}

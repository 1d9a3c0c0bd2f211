package io.strata.client.cli;

import picocli.CommandLine.Command;

/** {@code strata image ...}: container images and their layers. */
@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "Container images: import, export, list, inspect, tag, remove and prune.")
final class ImageCommand extends CommandGroup {}

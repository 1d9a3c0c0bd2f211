package io.strata.client.cli;

import picocli.CommandLine.Command;

/** {@code strata volume ...}: named and anonymous volumes. */
@Command(
    name = "volume",
    mixinStandardHelpOptions = true,
    description = {
      "Volumes: directories of ordinary files under DATA/volumes/NAME/_data that containers mount"
          + " (strata create -v NAME:/target). They outlive the containers that mount them."
    })
final class VolumeCommand extends CommandGroup {}

package io.strata.client.cli;

import picocli.CommandLine.Command;

/** {@code strata blob ...}: plain objects named by the SHA-256 of their content. */
@Command(
    name = "blob",
    mixinStandardHelpOptions = true,
    description = "Plain objects named by the SHA-256 of their content.",
    subcommands = {
      BlobPutCommand.class,
      BlobGetCommand.class,
      BlobStatCommand.class,
      BlobListCommand.class,
      BlobRemoveCommand.class
    })
final class BlobCommand extends CommandGroup {}

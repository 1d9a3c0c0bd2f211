package io.strata.client.cli;

import picocli.CommandLine.Command;

/** {@code strata blob ...}: plain objects named by the SHA-256 of their content. */
@Command(
    name = "blob",
    mixinStandardHelpOptions = true,
    description = "Plain objects named by the SHA-256 of their content.")
final class BlobCommand extends CommandGroup {}

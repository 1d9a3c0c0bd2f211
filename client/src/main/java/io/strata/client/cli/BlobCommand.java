package io.strata.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
final class BlobCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a blob command is required");
  }
}

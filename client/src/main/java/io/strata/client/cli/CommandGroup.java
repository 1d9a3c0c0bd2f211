package io.strata.client.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code blob}, {@code image}): alone, a usage error. */
abstract class CommandGroup implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public final void run() {
    throw new ParameterException(
        spec.commandLine(), spec.qualifiedName() + ": a subcommand is required");
  }
}

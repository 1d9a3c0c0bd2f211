package io.strata.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code strata completion}: a bash/zsh completion script generated from the command tree. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a bash (and zsh) completion script for strata, which completes commands, options"
          + " and the names of images, containers and volumes from the server.",
      "Use it with source <(strata completion); zsh needs autoload -U +X bashcompinit &&"
          + " bashcompinit first."
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** The part that completes names from the server, after picocli's script. */
  static String namesScript() {
    try (InputStream in = CompletionCommand.class.getResourceAsStream("completion-names.bash")) {
      if (in == null) {
        throw new IllegalStateException("completion-names.bash is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read completion-names.bash", e);
    }
  }

  @Override
  public Integer call() {
    StrataCli cli = (StrataCli) spec.root().userObject();
    cli.terminal().out().print(AutoComplete.bash("strata", spec.root().commandLine()));
    cli.terminal().out().print(namesScript());
    return ExitStatus.OK;
  }
}

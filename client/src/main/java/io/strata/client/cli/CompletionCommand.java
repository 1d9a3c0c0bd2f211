package io.strata.client.cli;

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
      "Prints a bash (and zsh) completion script for strata.",
      "Use: source <(strata completion)"
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    StrataCli cli = (StrataCli) spec.root().userObject();
    cli.terminal().out().print(AutoComplete.bash("strata", spec.root().commandLine()));
    return ExitStatus.OK;
  }
}

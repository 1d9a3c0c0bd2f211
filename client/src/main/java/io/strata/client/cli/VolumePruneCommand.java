package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.VolumePruneReply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code strata volume prune [-a] [-f] [--filter all=BOOL]}: the unused anonymous volumes, or with
 * {@code -a} (or docker's {@code --filter all=true}) every unused volume (Docker 23's rule). Strata
 * volumes have no labels, so a {@code label=} filter is refused rather than matching none (or, with
 * {@code label!=}, all). Deleting data wants a yes: on a terminal it asks, as Docker does; without
 * one (a script) nothing can answer, so {@code -f} is required there.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Removes the anonymous volumes no container mounts, with their files; with -a, unused named"
          + " volumes too.",
      "Filters: all=true|false|1|0 (as -a). Strata volumes have no labels: label= and label!="
          + " are refused.",
      "Asks for confirmation when standard input is a terminal; otherwise -f is required."
    })
final class VolumePruneCommand extends ClientCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Option(
      names = {"-a", "--all"},
      description = "Also remove unused named volumes.")
  boolean all;

  @Option(
      names = "--filter",
      paramLabel = "FILTER",
      description = "all=true|false|1|0: the same as -a (true) or without it.")
  List<String> filters = new ArrayList<>();

  @Override
  void checkArguments() {
    for (String f : filters) {
      if (f.startsWith("label=") || f.startsWith("label!=")) {
        throw new UsageError(
            "invalid filter '"
                + f
                + "': Strata volumes have no labels (volume create sets none), so a label filter"
                + " cannot choose among them");
      }
    }
    PruneFilters.parse(filters, "volume prune", Set.of("all"));
    for (String f : filters) {
      all |= BooleanFilter.value("all", f.substring("all=".length()));
    }
    Terminal t = cli().terminal();
    if (!force && !t.inputTerminal()) {
      throw new ParameterException(
          spec.commandLine(),
          "volume prune deletes data: give -f to confirm when standard input is not a terminal");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    if (!force && !confirmed(cli.terminal())) {
      return ExitStatus.OK;
    }
    VolumePruneReply r = client.pruneVolumes(all);
    if (cli.json()) {
      cli.printJson(r);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    if (!r.removed().isEmpty()) {
      out.println("Deleted Volumes:");
      r.removed().forEach(out::println);
      out.println();
    }
    out.println("Total reclaimed space: " + ByteSize.human(r.bytesReclaimed()));
    return ExitStatus.OK;
  }

  private static boolean confirmed(Terminal t) throws IOException {
    t.err().println("WARNING! This will remove all volumes not used by at least one container.");
    t.err().print("Are you sure you want to continue? [y/N] ");
    t.err().flush();
    String answer =
        new BufferedReader(new InputStreamReader(t.in(), StandardCharsets.UTF_8)).readLine();
    return answer != null
        && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }
}

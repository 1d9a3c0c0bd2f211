package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.BuildPruneReply;
import io.strata.protocol.message.GcReply;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata builder ...}: the build cache, as docker's {@code builder}. */
@Command(name = "builder", mixinStandardHelpOptions = true, description = "The build cache.")
final class BuilderCommand extends CommandGroup {
  /**
   * {@code strata builder prune [-a] [-f]}: forgets the build cache's entries and removes the
   * layers only they kept, then a gc, whose reclaimed bytes are the total reported.
   */
  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description = {
        "Removes the build cache: the entries whose layer no image uses (with -a every entry) and"
            + " the layers only they kept (a multi-stage build's stages), then collects their"
            + " chunks, as docker builder prune.",
        "Asks for confirmation when standard input is a terminal; otherwise -f is required."
      })
  static final class Prune extends ClientCommand {
    @Option(
        names = {"-f", "--force"},
        description = "Do not ask for confirmation.")
    boolean force;

    @Option(
        names = {"-a", "--all"},
        description = "Remove every entry, not only those whose layer no image uses.")
    boolean all;

    @Override
    void checkArguments() {
      Confirmation.require(spec, force, "builder prune");
    }

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      String warning =
          all
              ? "WARNING! This will remove all build cache."
              : "WARNING! This will remove all dangling build cache.";
      if (!force && !Confirmation.ask(cli.terminal(), warning)) {
        return ExitStatus.OK;
      }
      BuildPruneReply r = client.pruneBuildCache(all);
      GcReply gc = client.gc();
      print(cli, r, gc.bytesReclaimed());
      return ExitStatus.OK;
    }

    /** Docker's report: the build cache objects deleted (here, layers), and the space reclaimed. */
    static void print(StrataCli cli, BuildPruneReply r, long reclaimed) {
      if (cli.json()) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cacheEntriesRemoved", r.entries());
        out.put("layersRemoved", r.layers());
        out.put("spaceReclaimed", reclaimed);
        cli.printJson(out);
        return;
      }
      PrintStream out = cli.terminal().out();
      printRemoved(out, r);
      out.println("Total reclaimed space: " + ByteSize.human(reclaimed));
    }

    /** The "Deleted build cache objects:" section, when anything went. */
    static void printRemoved(PrintStream out, BuildPruneReply r) {
      if (r.layers().isEmpty()) {
        return;
      }
      out.println("Deleted build cache objects:");
      r.layers().forEach(out::println);
      out.println();
    }
  }
}

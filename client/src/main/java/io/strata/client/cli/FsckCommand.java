package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.DamageItem;
import io.strata.protocol.message.FsckReply;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/** {@code strata fsck}: exit 1 when anything is damaged. */
@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description =
        "Re-reads and re-hashes every chunk; prints each damaged chunk with the objects it"
            + " affects, and exits 1 if there is any.")
final class FsckCommand extends ClientCommand {
  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    FsckReply r = client.fsck();
    if (cli.json()) {
      cli.printJson(r);
    } else {
      PrintStream out = cli.terminal().out();
      for (DamageItem d : r.damaged()) {
        out.printf("damaged %s: %s%n", d.digest(), d.problem());
        if (d.usedBy().isEmpty()) {
          out.println("  used by nothing");
        }
        for (String user : d.usedBy()) {
          out.printf("  used by %s%n", user);
        }
      }
      out.printf(
          "checked %d chunks: %s%n",
          r.chunksChecked(), r.damaged().isEmpty() ? "no damage" : r.damaged().size() + " damaged");
    }
    return r.damaged().isEmpty() ? ExitStatus.OK : ExitStatus.FAILED;
  }
}

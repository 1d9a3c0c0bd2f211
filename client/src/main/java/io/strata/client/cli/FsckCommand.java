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
        "Re-reads and re-hashes every chunk; prints what the server mended when it opened (notes),"
            + " each damaged chunk with the objects it affects, and exits 1 if there is any.")
final class FsckCommand extends ClientCommand {
  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    FsckReply r = client.fsck();
    if (cli.json()) {
      cli.printJson(r);
    } else {
      PrintStream out = cli.terminal().out();
      // Notes first: what the server mended at open explains a log line, and is no damage.
      for (String note : r.notes()) {
        out.printf("note: %s%n", note);
      }
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
          "checked %d chunks: %s%s%n",
          r.chunksChecked(),
          r.damaged().isEmpty() ? "no damage" : r.damaged().size() + " damaged",
          r.notes().isEmpty() ? "" : ", " + count(r.notes().size(), "note") + " above");
      if (!r.damaged().isEmpty()) {
        // what mends it, said where it is needed (W6): docs/FORMAT.md "Damage" has the detail
        out.println(
            "to mend: put, import or pull the same content again (its damaged copy is replaced),"
                + " or remove what uses it and run gc; see docs/FORMAT.md \"Damage\"");
      }
    }
    return r.damaged().isEmpty() ? ExitStatus.OK : ExitStatus.FAILED;
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}

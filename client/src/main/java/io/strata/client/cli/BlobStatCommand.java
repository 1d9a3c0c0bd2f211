package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.StatReply;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata blob stat DIGEST}. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = "Size, chunk count, and the bytes this object alone holds in the store.")
final class BlobStatCommand extends ClientCommand {
  @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex> of the object.")
  String digest;

  @Override
  void checkArguments() {
    DigestText.check(spec, digest);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    StatReply s = client.stat(digest);
    if (cli.json()) {
      cli.printJson(s);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    out.printf("digest:       %s%n", s.digest());
    out.printf("size:         %d (%s)%n", s.size(), ByteSize.human(s.size()));
    out.printf("chunks:       %d%n", s.chunks());
    out.printf("unique bytes: %d (%s)%n", s.uniqueBytes(), ByteSize.human(s.uniqueBytes()));
    return ExitStatus.OK;
  }
}

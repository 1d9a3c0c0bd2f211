package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.DigestArgs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata blob rm DIGEST}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description =
        "Removes the object's name; its chunks go at the next gc unless something else uses"
            + " them. Refused (exit 1) while a registry repository links the object or holds it"
            + " as a manifest (delete it there first), and while an image keeps it whole as a"
            + " layer (remove the image first).")
final class BlobRemoveCommand extends ClientCommand {
  @Parameters(paramLabel = "DIGEST", description = "sha256:<64 hex> of the object.")
  String digest;

  @Override
  void checkArguments() {
    DigestText.check(spec, digest);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    client.remove(digest);
    if (cli.json()) {
      cli.printJson(new DigestArgs(digest));
    } else {
      cli.terminal().out().println(digest);
    }
    return ExitStatus.OK;
  }
}

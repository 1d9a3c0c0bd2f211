package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.RemoveReply;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata image rm IMAGE}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Removes a tag; when it was the image's last, the image and the layers no other image uses.",
      "Refused while a container uses the image."
    })
final class ImageRemoveCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    RemoveReply r = client.removeImage(image);
    if (cli.json()) {
      cli.printJson(r);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    r.untagged().forEach(t -> out.println("Untagged: " + t));
    r.deleted().forEach(id -> out.println("Deleted: " + id));
    return ExitStatus.OK;
  }
}

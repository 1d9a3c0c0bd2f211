package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.RemoveReply;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata image rm IMAGE...}, also {@code strata rmi}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Removes tags; when one was an image's last, the image and the layers no other image uses.",
      "By id, an image with more than one tag or references in more than one repository is"
          + " refused unless forced (-f removes all its tags).",
      "An image a container uses is refused, even with -f. A failure is reported and the rest"
          + " are still removed (exit non-zero)."
    })
final class ImageRemoveCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "NAME[:TAG] or an image id.")
  List<String> images;

  @Option(
      names = {"-f", "--force"},
      description =
          "Remove an image given by id with all its tags, in every repository (never an image a"
              + " container uses).")
  boolean force;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    List<RemoveReply> removed = new ArrayList<>();
    PrintStream out = cli.terminal().out();
    int code =
        EachArgument.run(
            cli,
            images,
            image -> {
              RemoveReply r = client.removeImage(image, force);
              removed.add(r);
              if (!cli.json()) {
                r.untagged().forEach(t -> out.println("Untagged: " + t));
                r.deleted().forEach(id -> out.println("Deleted: " + id));
                for (String t : r.registryServes()) {
                  cli.terminal()
                      .err()
                      .println(
                          "strata: note: the registry still serves "
                              + t
                              + " as it was pushed there; delete it there to stop serving it"
                              + " (DELETE /v2/"
                              + t.substring(0, t.lastIndexOf(':'))
                              + "/manifests/DIGEST)");
                }
              }
            });
    if (cli.json()) {
      cli.printJson(images.size() == 1 && removed.size() == 1 ? removed.get(0) : removed);
    }
    return code;
  }
}

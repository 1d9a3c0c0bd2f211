package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.ImportReply;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata image import PATH [-t NAME:TAG]}. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Imports an image from this host: an OCI image layout directory (DIR or DIR:TAG), a docker"
          + " save archive, an OCI layout as a tar, a plain directory or a plain tar (one layer).",
      "Layers keep their diff_ids; whiteouts are applied."
    })
final class ImageImportCommand extends ClientCommand {
  @Parameters(paramLabel = "PATH", description = "The archive or directory (DIR:TAG selects).")
  String path;

  @Option(
      names = {"-t", "--tag"},
      paramLabel = "NAME:TAG",
      description = "Tag the image (archives also keep their own tags).")
  String tag;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    LocalSource source = LocalSource.of("import source", path, true);
    TransferListener progress = ProgressBar.forTerminal(cli.terminal(), "import", source.size());
    ImportReply r =
        client.importImage(
            new ImportArgs(tag, source.select(), source.name()), source.body(), progress);
    ProgressBar.finish(progress);
    if (cli.json()) {
      cli.printJson(r);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    for (ImportReply.Image image : r.images()) {
      if (image.tags().isEmpty()) {
        out.println("Loaded image ID: " + image.id());
      }
      for (String t : image.tags()) {
        out.println("Loaded image: " + t);
      }
    }
    return ExitStatus.OK;
  }
}

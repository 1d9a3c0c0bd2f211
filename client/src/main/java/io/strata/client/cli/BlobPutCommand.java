package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.message.PutReply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata blob put FILE|-}. */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description =
        "Stores FILE (or standard input for -) and prints its sha256: digest. Putting the same"
            + " content again stores nothing new.")
final class BlobPutCommand extends ClientCommand {
  @Parameters(paramLabel = "FILE|-", description = "The file to store; - reads standard input.")
  String source;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    PutReply r;
    if (source.equals("-")) {
      TransferListener progress = ProgressBar.of(cli, "put", -1);
      r = client.put(cli.terminal().in(), null, progress);
      ProgressBar.finish(progress);
    } else {
      Path file = Path.of(source);
      if (Files.isDirectory(file)) {
        throw new IOException("file " + file + " is a directory");
      }
      try (InputStream in = Files.newInputStream(file)) {
        long size = Files.size(file);
        TransferListener progress = ProgressBar.of(cli, "put", size);
        r = client.put(in, size, progress);
        ProgressBar.finish(progress);
      } catch (NoSuchFileException e) {
        throw new IOException("file " + file + " does not exist", e);
      } catch (AccessDeniedException e) {
        throw new IOException("file " + file + " cannot be read: permission denied", e);
      }
    }
    if (cli.json()) {
      cli.printJson(r);
    } else {
      cli.terminal().out().println(r.digest());
    }
    return ExitStatus.OK;
  }
}

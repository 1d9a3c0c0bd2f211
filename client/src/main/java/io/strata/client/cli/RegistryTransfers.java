package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.client.registry.RegistryHttp;
import io.strata.client.registry.RegistryPull;
import io.strata.client.registry.RegistryPush;
import io.strata.client.registry.RegistryRef;
import io.strata.client.registry.Tally;
import io.strata.client.tar.TarUnpacker;
import io.strata.client.tar.TreeTar;
import io.strata.protocol.message.ExportArgs;
import io.strata.protocol.message.ImportArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code strata push IMAGE REGISTRY/REPO:TAG} and {@code strata pull REGISTRY/REPO:TAG}: the client
 * speaks the distribution API itself, with the image passing through a temporary OCI layout on this
 * host (exported from, or imported into, the server over the Strata protocol). Distinguished from
 * the stratad-to-stratad transfers ({@code --to}/{@code --from HOST:PORT}) by the registry
 * reference, whose first component is a host with a dot or a port.
 */
final class RegistryTransfers {
  private RegistryTransfers() {}

  static int push(
      StrataClient client,
      StrataCli cli,
      String image,
      RegistryRef target,
      boolean plain,
      String secret)
      throws IOException {
    Path tmp = Files.createTempDirectory("strata-push-");
    try {
      Path layout = tmp.resolve("oci");
      String what = "export of image " + image;
      TransferListener bar = ProgressBar.forTerminal(cli.terminal(), "export", -1);
      PipedUnpack.run(
          what,
          out -> client.exportImage(new ExportArgs(image, ExportArgs.OCI), out, bar),
          in -> TarUnpacker.unpack(in, layout, what));
      ProgressBar.finish(bar);
      RegistryRef mountFrom = null;
      if (RegistryRef.isRegistry(image)) {
        RegistryRef from = RegistryRef.parse(image);
        if (from.registry().equals(target.registry())) {
          mountFrom = from;
        }
      }
      Tally t =
          new RegistryPush(new RegistryHttp(target.registry(), plain, secret), target, mountFrom)
              .push(layout);
      report(cli, t, target.toString());
      return ExitStatus.OK;
    } finally {
      LocalOutput.deleteTree(tmp);
    }
  }

  static int pull(
      StrataClient client, StrataCli cli, RegistryRef source, boolean plain, String secret)
      throws IOException {
    Path tmp = Files.createTempDirectory("strata-pull-");
    try {
      Path layout = tmp.resolve("oci");
      Tally t =
          new RegistryPull(new RegistryHttp(source.registry(), plain, secret), source).pull(layout);
      String tag = source.reference().startsWith("sha256:") ? null : source.toString();
      TransferListener bar = ProgressBar.forTerminal(cli.terminal(), "import", -1);
      client.importImage(
          new ImportArgs(tag, null, "image " + source), out -> TreeTar.write(layout, out), bar);
      ProgressBar.finish(bar);
      report(cli, t, source.toString());
      return ExitStatus.OK;
    } finally {
      LocalOutput.deleteTree(tmp);
    }
  }

  private static void report(StrataCli cli, Tally t, String ref) {
    if (cli.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("image", ref);
      m.put("chunksSent", t.blobsSent());
      m.put("chunksTotal", t.blobsTotal());
      m.put("bytesSent", t.bytesSent());
      m.put("bytesTotal", t.bytesTotal());
      cli.printJson(m);
      return;
    }
    double present =
        t.bytesTotal() == 0 ? 100 : 100.0 * (t.bytesTotal() - t.bytesSent()) / t.bytesTotal();
    cli.terminal()
        .out()
        .println(
            String.format(
                Locale.ROOT,
                "%s: sent %d of %d blobs, %d of %d bytes (%.1f%% already present)",
                ref,
                t.blobsSent(),
                t.blobsTotal(),
                t.bytesSent(),
                t.bytesTotal(),
                present));
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.client.TransferListener;
import io.strata.client.registry.RegistryPush;
import io.strata.client.tar.TarUnpacker;
import io.strata.client.tar.TreeTar;
import io.strata.protocol.AlreadyPresent;
import io.strata.protocol.Status;
import io.strata.protocol.message.ExportArgs;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.RegistryPullArgs;
import io.strata.protocol.message.TransferReply;
import io.strata.protocol.registry.RegistryException;
import io.strata.protocol.registry.RegistryHttp;
import io.strata.protocol.registry.RegistryPull;
import io.strata.protocol.registry.RegistryRef;
import io.strata.protocol.registry.Tally;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
      Tally t;
      try {
        t =
            new RegistryPush(new RegistryHttp(target.registry(), plain, secret), target, mountFrom)
                .push(layout);
      } catch (RegistryException e) {
        throw asStatus(e);
      }
      report(cli, t, target.toString());
      return ExitStatus.OK;
    } finally {
      LocalOutput.deleteTree(tmp);
    }
  }

  /**
   * A registry that cannot be reached or refuses the credentials exits as a server that cannot be
   * (3, SPEC §1), as a build's pull and a transfer with another stratad do; other failures as
   * failures (1).
   */
  private static IOException asStatus(RegistryException e) {
    if (e.unreachable()) {
      return new StrataClientException(Status.UNAVAILABLE, e.getMessage(), e);
    }
    if (e.refused()) {
      return new StrataClientException(Status.UNAUTHENTICATED, e.getMessage(), e);
    }
    return e;
  }

  static int pull(
      StrataClient client, StrataCli cli, RegistryRef source, boolean plain, String secret)
      throws IOException {
    TransferReply fromChunks = pullChunks(client, cli, source, plain, secret);
    if (fromChunks != null) {
      reportChunks(cli, fromChunks, source.toString());
      return ExitStatus.OK;
    }
    RegistryHttp http = new RegistryHttp(source.registry(), plain, secret);
    String upToDate;
    try {
      upToDate = heldDigest(client, http, source);
    } catch (RegistryException e) {
      throw asStatus(e);
    }
    if (upToDate != null) {
      if (cli.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image", source.toString());
        m.put("chunkIndex", false);
        m.put("upToDate", true);
        m.put("digest", upToDate);
        m.put("chunksSent", 0);
        m.put("bytesSent", 0);
        cli.printJson(m);
      } else {
        cli.terminal().out().println(source + ": image is up to date (" + upToDate + ")");
      }
      return ExitStatus.OK;
    }
    Path tmp = Files.createTempDirectory("strata-pull-");
    try {
      Path layout = tmp.resolve("oci");
      Tally t;
      RegistryPull pull = new RegistryPull(http, source).leaving(held(client));
      try {
        t = pull.pull(layout);
      } catch (RegistryException e) {
        throw asStatus(e);
      }
      String tag = source.reference().startsWith("sha256:") ? null : source.toString();
      TransferListener bar = ProgressBar.forTerminal(cli.terminal(), "import", -1);
      client.importImage(
          new ImportArgs(tag, null, "image " + source, false, pull.pulledAs(), pull.leftOut()),
          out -> TreeTar.write(layout, out),
          bar);
      ProgressBar.finish(bar);
      report(cli, t, source.toString());
      return ExitStatus.OK;
    } finally {
      LocalOutput.deleteTree(tmp);
    }
  }

  /**
   * Asks the server which layers it holds with the manifest's very blobs, for the pull to leave
   * out; an older server cannot say, and the pull fetches them all.
   */
  private static RegistryPull.Held held(StrataClient client) {
    return (diffIds, digests) -> {
      try {
        return client.heldLayers(diffIds, digests).held();
      } catch (StrataClientException e) {
        if (e.status() == Status.UNIMPLEMENTED) {
          return null;
        }
        throw e;
      }
    };
  }

  /**
   * The digest of the manifest {@code source} names when the store already holds it under that name
   * (its {@code RepoDigests} list it), else null: then a pull has nothing to fetch, as {@code
   * docker pull} of an unchanged tag says after one request. A registry without {@code HEAD} of
   * manifests, or one that gives no digest, is pulled as before.
   */
  private static String heldDigest(StrataClient client, RegistryHttp http, RegistryRef source)
      throws IOException {
    String name = source.registry() + "/" + source.repository();
    if (source.reference().startsWith("sha256:")) {
      // a digest names one manifest forever: held when an image was pulled by it or tagged with it
      return repoDigests(client, source).contains(name + "@" + source.reference())
          ? source.reference()
          : null;
    }
    java.net.http.HttpResponse<Void> r = http.headManifest(source.repository(), source.reference());
    String digest =
        r.statusCode() == 200 ? r.headers().firstValue("Docker-Content-Digest").orElse(null) : null;
    if (digest == null) {
      return null;
    }
    return repoDigests(client, source).contains(name + "@" + digest) ? digest : null;
  }

  /** The {@code RepoDigests} of the image {@code source} names in the store (none: not there). */
  private static List<String> repoDigests(StrataClient client, RegistryRef source)
      throws IOException {
    try {
      return client.inspect(source.toString()).repoDigests();
    } catch (StrataClientException e) {
      if (e.status() == Status.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
  }

  /**
   * Has the server pull from a Strata registry through the image's chunk index, fetching only the
   * chunks it lacks; null when the registry publishes none (a plain registry) or the server cannot
   * (an older one): the caller pulls the ordinary way.
   */
  private static TransferReply pullChunks(
      StrataClient client, StrataCli cli, RegistryRef source, boolean plain, String secret)
      throws IOException {
    TransferListener[] bar = {null};
    long[] shown = {0};
    try {
      return client.pullFromRegistry(
          new RegistryPullArgs(source.toString(), plain, secret),
          p -> {
            if (bar[0] == null) {
              bar[0] = ProgressBar.of(cli, "pull", p.bytesToSend());
            }
            bar[0].transferred(p.bytesSent() - shown[0]);
            shown[0] = p.bytesSent();
          });
    } catch (StrataClientException e) {
      if (e.status() == Status.UNIMPLEMENTED) {
        return null;
      }
      throw e;
    } finally {
      if (bar[0] != null) {
        ProgressBar.finish(bar[0]);
      }
    }
  }

  private static void reportChunks(StrataCli cli, TransferReply r, String ref) {
    if (cli.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("image", ref);
      m.put("id", r.id());
      m.put("chunkIndex", true);
      m.put("chunksSent", r.chunksSent());
      m.put("chunksTotal", r.chunksTotal());
      m.put("bytesSent", r.bytesSent());
      m.put("bytesTotal", r.bytesTotal());
      m.put("wireBytes", r.wireBytes());
      cli.printJson(m);
      return;
    }
    cli.terminal()
        .out()
        .println(
            ref
                + ": "
                + HostTransferCommand.summary(r)
                + String.format(Locale.ROOT, ", %d bytes on the wire", r.wireBytes()));
  }

  private static void report(StrataCli cli, Tally t, String ref) {
    if (cli.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("image", ref);
      m.put("chunkIndex", false);
      m.put("chunksSent", t.blobsSent());
      m.put("chunksTotal", t.blobsTotal());
      m.put("bytesSent", t.bytesSent());
      m.put("bytesTotal", t.bytesTotal());
      cli.printJson(m);
      return;
    }
    cli.terminal()
        .out()
        .println(
            String.format(
                Locale.ROOT,
                "%s: sent %d of %d blobs, %d of %d bytes (%s%% already present)",
                ref,
                t.blobsSent(),
                t.blobsTotal(),
                t.bytesSent(),
                t.bytesTotal(),
                AlreadyPresent.percent(t.bytesSent(), t.bytesTotal())));
  }
}

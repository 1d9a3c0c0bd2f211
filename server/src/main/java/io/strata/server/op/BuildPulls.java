package io.strata.server.op;

import io.strata.protocol.AlreadyPresent;
import io.strata.protocol.Status;
import io.strata.protocol.message.BuildArgs;
import io.strata.protocol.message.PullProgressLine;
import io.strata.protocol.registry.RegistryException;
import io.strata.protocol.registry.RegistryHttp;
import io.strata.protocol.registry.RegistryPull;
import io.strata.protocol.registry.RegistryRef;
import io.strata.protocol.registry.Tally;
import io.strata.server.registry.HttpChunkIndexSource;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.hosts.ProgressListener;
import io.strata.store.hosts.RegistryChunkPull;
import io.strata.store.hosts.TransferHost;
import io.strata.store.hosts.TransferSummary;
import io.strata.store.image.ImageStore;
import io.strata.store.image.build.BuildOptions;
import io.strata.store.image.build.NamedImages;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pulls the registry images a build names ({@code FROM REGISTRY/REPO:TAG}, {@code COPY
 * --from=REGISTRY/REPO:TAG}) before the build runs, as {@code strata pull} pulls them: through the
 * registry's chunk index when it publishes one (only the chunks this store lacks cross), else the
 * ordinary way (manifest, config and layers into an OCI layout under {@code tmp}, each checked
 * against its digest, then imported). An image the store has is used as it is, with no request,
 * unless the build asks to pull ({@code --pull}). Each pulled image is tagged {@code
 * REGISTRY/REPO:TAG}, as {@code strata pull} tags it, and pinned ({@link BuildPins}) until the
 * build ends; the build reads it by id.
 *
 * <p>The server pulls, not the client as {@code strata pull} does for a plain registry: the
 * references are known only once the server has parsed the Dockerfile and replaced its variables.
 */
final class BuildPulls {
  /**
   * How often at most a pull writes its progress line: the CLI redraws its bar from them (5 times a
   * second, as it redraws its own), and a client that prints them prints a few.
   */
  private static final long PROGRESS_EVERY_NANOS = 500_000_000L;

  private final ImageStore images;
  private final TransferHost host;
  private final Path tmp;
  private final BuildPins pins;

  BuildPulls(ImageStore images, ChunkStore chunks, Path tmp, BuildPins pins) {
    this.images = images;
    this.host = new TransferHost(images, chunks, tmp);
    this.tmp = tmp;
    this.pins = pins;
  }

  /** What a build pulled: the ids to read for its references, pinned until closed. */
  static final class Pulled implements AutoCloseable {
    private final Map<String, String> ids = new LinkedHashMap<>();
    private final List<BuildPins.Pin> held = new ArrayList<>();

    /** Reference as the Dockerfile names it to the id of the image pulled for it. */
    Map<String, String> ids() {
      return ids;
    }

    @Override
    public void close() {
      held.forEach(BuildPins.Pin::close);
    }
  }

  /**
   * Pulls what the build of {@code dockerfile} with {@code options} needs from registries, as
   * {@code args} says (pull, plain HTTP, secret), writing what it does to {@code log}. On failure
   * nothing stays pinned; the images pulled before the failure stay in the store, as {@code docker
   * build} keeps them.
   */
  Pulled pull(String dockerfile, BuildOptions options, BuildArgs args, Consumer<String> log)
      throws IOException {
    Pulled pulled = new Pulled();
    try {
      for (NamedImages.Named n : NamedImages.of(dockerfile, options)) {
        if (RegistryRef.isRegistry(n.ref())) {
          pullOne(n, args, log, pulled);
        }
      }
      return pulled;
    } catch (IOException | RuntimeException e) {
      pulled.close();
      throw e;
    }
  }

  private void pullOne(NamedImages.Named n, BuildArgs args, Consumer<String> log, Pulled pulled)
      throws IOException {
    RegistryRef ref;
    try {
      ref = RegistryRef.parse(n.ref());
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(n.what() + ": " + e.getMessage());
    }
    String local = localImage(n.ref(), ref);
    if (local != null && !args.pull()) {
      useLocal(n, ref, local, pulled);
      return;
    }
    RegistryHttp http = new RegistryHttp(ref.registry(), args.plainHttp(), args.token());
    String digest = probe(n, ref, http, args.token() != null);
    if (local != null && digest != null && holdsManifest(local, ref, digest)) {
      log.accept(n.ref() + ": image is up to date (" + digest + ")");
      useLocal(n, ref, local, pulled);
      return;
    }
    log.accept(
        "Pulling "
            + n.ref()
            + (local == null ? " (not in the store)" : " (--pull)")
            + " from registry "
            + ref.registry());
    String tag = ref.reference().startsWith("sha256:") ? null : ref.toString();
    TransferSummary s;
    try {
      s =
          new RegistryChunkPull(host)
              .run(
                  ref.reference(),
                  tag,
                  ref.registry() + "/" + ref.repository(),
                  new HttpChunkIndexSource(ref, args.plainHttp(), args.token()),
                  new ProgressLines(n.ref(), log));
    } catch (IOException e) {
      throw new IOException(
          n.what() + ": pull from registry " + ref.registry() + ": " + e.getMessage(), e);
    }
    String id;
    if (s != null) {
      id = s.id();
      log.accept(
          n.ref()
              + ": "
              + String.format(
                  Locale.ROOT,
                  "sent %d of %d chunks, %d of %d bytes (%s%% already present), %d bytes on the"
                      + " wire",
                  s.chunksSent(),
                  s.chunksTotal(),
                  s.bytesSent(),
                  s.bytesTotal(),
                  present(s.bytesSent(), s.bytesTotal()),
                  s.wireBytes()));
    } else {
      id = pullPlain(n, ref, http, tag, log);
    }
    pulled.held.add(pins.pin(id));
    pulled.ids.put(n.ref(), id);
  }

  /** The ordinary pull: every blob into a layout under {@code tmp}, then its import. */
  private String pullPlain(
      NamedImages.Named n, RegistryRef ref, RegistryHttp http, String tag, Consumer<String> log)
      throws IOException {
    Files.createDirectories(tmp);
    Path dir = Files.createTempDirectory(tmp, "build-pull-");
    try {
      Path layout = dir.resolve("oci");
      Tally t;
      RegistryPull pull = new RegistryPull(http, ref).leaving(images::heldLayers);
      try {
        t = pull.pull(layout, new ProgressLines(n.ref(), log));
      } catch (IOException e) {
        throw new IOException(
            n.what() + ": pull from registry " + ref.registry() + ": " + e.getMessage(), e);
      }
      String id =
          images
              .importPath(
                  layout.toString(),
                  tag,
                  pull.pulledAs(),
                  java.util.Set.copyOf(pull.leftOut()),
                  new io.strata.store.engine.StopSignal())
              .images()
              .get(0)
              .id();
      log.accept(
          n.ref()
              + ": "
              + String.format(
                  Locale.ROOT,
                  "sent %d of %d blobs, %d of %d bytes (%s%% already present)",
                  t.blobsSent(),
                  t.blobsTotal(),
                  t.bytesSent(),
                  t.bytesTotal(),
                  present(t.bytesSent(), t.bytesTotal())));
      return id;
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * The id of the store's image for {@code text}, or null: by tag, or for {@code REPO@DIGEST} the
   * image whose {@code RepoDigests} list it (pulled by it, or tagged in that repository with that
   * manifest or index).
   */
  private String localImage(String text, RegistryRef ref) {
    try {
      return images.resolve(text);
    } catch (NotFoundException | InvalidArgumentException e) {
      return null;
    }
  }

  /**
   * The build uses image {@code id} of the store for {@code n}: a tag the build resolves itself
   * (under the store's lock), but a digest it cannot, so that one is read by id, and pinned since
   * it was found outside the lock.
   */
  private void useLocal(NamedImages.Named n, RegistryRef ref, String id, Pulled pulled) {
    if (ref.reference().startsWith("sha256:")) {
      pulled.held.add(pins.pin(id));
      pulled.ids.put(n.ref(), id);
    }
  }

  /** Whether image {@code id} arrived with manifest {@code digest} from that repository. */
  private boolean holdsManifest(String id, RegistryRef ref, String digest) {
    try {
      return images
          .inspect(id)
          .repoDigests()
          .contains(ref.registry() + "/" + ref.repository() + "@" + digest);
    } catch (NotFoundException e) {
      return false; // removed since: pull it again
    }
  }

  /**
   * Asks the registry for the manifest's head before anything is fetched, so that each way a pull
   * cannot start fails in one line naming the image and the registry, with the status {@code
   * strata} turns into its exit code: unreachable and refused credentials as a server it cannot
   * reach or authenticate to, a missing image as not found. Returns the manifest's digest, if the
   * registry says it.
   */
  private static String probe(
      NamedImages.Named n, RegistryRef ref, RegistryHttp http, boolean secretGiven)
      throws IOException {
    HttpResponse<Void> r;
    try {
      r = http.headManifest(ref.repository(), ref.reference());
    } catch (RegistryException e) {
      if (e.refused()) {
        throw refused(n, ref, secretGiven, e.status());
      }
      throw new RemoteFailure(
          Status.UNAVAILABLE, n.what() + ": cannot reach the registry: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new RemoteFailure(
          Status.UNAVAILABLE, n.what() + ": cannot reach the registry: " + e.getMessage(), e);
    }
    int code = r.statusCode();
    if (code == 401 || code == 403) {
      throw refused(n, ref, secretGiven, code);
    }
    if (code == 404) {
      throw new NotFoundException(
          n.what()
              + ": registry "
              + ref.registry()
              + " has no image "
              + ref.repository()
              + (ref.reference().startsWith("sha256:") ? "@" : ":")
              + ref.reference());
    }
    if (code != 200) {
      // a registry without HEAD, or a passing failure: the pull's own requests tell
      return null;
    }
    return r.headers().firstValue("Docker-Content-Digest").orElse(null);
  }

  private static String present(long sent, long total) {
    return AlreadyPresent.percent(sent, total);
  }

  private static RemoteFailure refused(
      NamedImages.Named n, RegistryRef ref, boolean secretGiven, int code) {
    return new RemoteFailure(
        Status.UNAUTHENTICATED,
        n.what()
            + ": registry "
            + ref.registry()
            + " refused "
            + (secretGiven
                ? "the secret of --remote-token-file"
                : "to serve it without credentials (give its secret with --remote-token-file)")
            + " (HTTP "
            + code
            + ")",
        null);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A pull's progress as build log lines ({@link PullProgressLine}), for pulls that take long. */
  private static final class ProgressLines implements ProgressListener, RegistryPull.Progress {
    private final String ref;
    private final Consumer<String> log;
    private long toSend;
    private long sent;
    private long last = System.nanoTime();
    private boolean ended;

    ProgressLines(String ref, Consumer<String> log) {
      this.ref = ref;
      this.log = log;
    }

    @Override
    public void start(long bytesToSend) {
      toSend = bytesToSend;
    }

    @Override
    public void received(long bytes) {
      sent(bytes);
    }

    @Override
    public void sent(long bytes) {
      sent += bytes;
      if (ended) {
        return; // more than the manifest said: the pull's digest checks judge that, not this
      }
      ended = sent >= toSend;
      long now = System.nanoTime();
      if (ended || now - last >= PROGRESS_EVERY_NANOS) {
        last = now;
        log.accept(new PullProgressLine(ref, sent, toSend).text());
      }
    }
  }
}

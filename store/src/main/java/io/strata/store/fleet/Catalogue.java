package io.strata.store.fleet;

import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageStore;
import io.strata.store.ref.RootChange;
import io.strata.store.remote.ObjectStore;
import io.strata.store.transfer.TransferPlan;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The images of a fleet: every image a node tags is published to the bucket as its transfer plan
 * ({@code catalogue/images/<id hex>.plan}, which names each file's chunks by digest) and each tag
 * as a small object naming the image ({@code catalogue/tags/<tag, URL-encoded>}). A node asked for
 * an image it lacks reads the plan, finds every chunk already in the shared index, and makes the
 * image from them: metadata only, no chunk crosses the network until a file is read.
 *
 * <p>An image is published after its packs are in the bucket, so a plan never names a chunk the
 * others cannot read. Publishing runs on a thread of its own, seconds after the command that made
 * the image; a node that stopped before publishing publishes its tags when it starts again. Tags
 * are last-writer-wins across the fleet; removing a tag on one node removes it from the catalogue,
 * not from the other nodes that already made the image theirs.
 */
public final class Catalogue implements ImageStore.FleetImages, Closeable {
  private static final System.Logger LOG = System.getLogger(Catalogue.class.getName());
  static final String IMAGES = "catalogue/images/";
  static final String TAGS = "catalogue/tags/";
  private static final String TAG_ROOTS = "img/tag/";

  /** How long a fetch waits for the chunks of a published plan to appear in the shared index. */
  private static final long CHUNK_WAIT_MILLIS = 30_000;

  private final ObjectStore objects;
  private final ChunkStore chunks;
  private final ImageStore images;
  private final java.util.concurrent.ScheduledExecutorService publisher;
  // Images being made here from the catalogue: their tags are the catalogue's already.
  private final Set<String> fetching = ConcurrentHashMap.newKeySet();

  private Catalogue(ObjectStore objects, ChunkStore chunks, ImageStore images) {
    this.objects = objects;
    this.chunks = chunks;
    this.images = images;
    this.publisher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-catalogue");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The catalogue of the bucket {@code chunks} shares, serving {@code images}: tags made from now
   * on are published, and so are the local tags the catalogue lacks (a stop before publishing).
   */
  public static Catalogue start(ChunkStore chunks, ImageStore images) throws IOException {
    if (chunks.shared() == null) {
      throw new InvalidArgumentException("chunk store shares no bucket");
    }
    Catalogue c = new Catalogue(chunks.shared().objects(), chunks, images);
    chunks.onRootChanges(c::changed);
    images.fleet(c);
    Map<String, String> published = c.publishedTags();
    for (var r : chunks.roots(TAG_ROOTS)) {
      String tag = r.name().substring(TAG_ROOTS.length());
      if (!published.containsKey(tag)) {
        c.queuePublish(tag, new String(r.payload(), StandardCharsets.US_ASCII));
      }
    }
    return c;
  }

  private void changed(List<RootChange> changes) {
    for (RootChange ch : changes) {
      if (!ch.name().startsWith(TAG_ROOTS)) {
        continue;
      }
      String tag = ch.name().substring(TAG_ROOTS.length());
      if (ch instanceof RootChange.Put p) {
        String id = new String(p.root().payload(), StandardCharsets.US_ASCII);
        if (!fetching.contains(id)) {
          queuePublish(tag, id);
        }
      } else if (ch instanceof RootChange.Remove) {
        publisher.execute(() -> unpublish(tag));
      }
    }
  }

  private void queuePublish(String tag, String id) {
    publisher.execute(() -> tryPublish(tag, id, 1_000));
  }

  /** Publishes, and on failure (the bucket unreachable) tries again later, backing off. */
  private void tryPublish(String tag, String id, long backoffMillis) {
    try {
      publish(tag, id);
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "publishing {0} ({1}) to {2} failed, retrying in {3} s: {4}",
          tag,
          id,
          objects.describe(),
          backoffMillis / 1000,
          e.getMessage());
      if (!publisher.isShutdown()) {
        publisher.schedule(
            () -> tryPublish(tag, id, Math.min(2 * backoffMillis, 60_000)),
            backoffMillis,
            TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Publishes image {@code id} (once) and points {@code tag} at it. */
  void publish(String tag, String id) throws IOException {
    String key = IMAGES + id.substring("sha256:".length()) + ".plan";
    TransferPlan plan;
    try {
      plan = images.transferPlan(id, images.contentCut());
    } catch (io.strata.store.error.NotFoundException e) {
      return; // removed meanwhile
    }
    // The plan must not name chunks the others cannot read yet.
    chunks.publishToBucket(120_000);
    objects.create(key, new TransferPlan(plan.cut(), "", plan.config(), plan.layers()).encode());
    objects.put(TAGS + encode(tag), id.getBytes(StandardCharsets.US_ASCII));
    LOG.log(System.Logger.Level.INFO, "published {0} ({1}) to {2}", tag, id, objects.describe());
  }

  private void unpublish(String tag) {
    try {
      objects.delete(TAGS + encode(tag));
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "removing tag {0} from {1} failed: {2}",
          tag,
          objects.describe(),
          e.getMessage());
    }
  }

  /** Tag → image id, as the catalogue has them. */
  public Map<String, String> publishedTags() throws IOException {
    Map<String, String> out = new HashMap<>();
    List<String> keys = new ArrayList<>();
    objects.list(TAGS, (k, size) -> keys.add(k));
    for (String k : keys) {
      byte[] b = objects.get(k);
      if (b != null) {
        out.put(decode(k.substring(TAGS.length())), new String(b, StandardCharsets.US_ASCII));
      }
    }
    return out;
  }

  @Override
  public TransferPlan find(String ref) throws IOException {
    String id = idOf(ref);
    if (id == null) {
      return null;
    }
    String key = IMAGES + id.substring("sha256:".length()) + ".plan";
    byte[] b = objects.get(key);
    if (b == null) {
      return null;
    }
    TransferPlan plan = TransferPlan.decode(new ByteArrayInputStream(b), key);
    String name = ref.equals(id) || ref.startsWith("sha256:") ? "" : canonicalTag(ref);
    plan = new TransferPlan(plan.cut(), name, plan.config(), plan.layers());
    awaitChunks(plan, ref);
    fetching.add(plan.imageId().toString());
    LOG.log(System.Logger.Level.INFO, "making {0} ({1}) from {2}", ref, id, objects.describe());
    return plan;
  }

  /** The image id {@code ref} names in the catalogue: a tag, or a full image id; else null. */
  private String idOf(String ref) throws IOException {
    if (ref.startsWith("sha256:") && ref.length() == 71) {
      return ref;
    }
    String tag;
    try {
      tag = canonicalTag(ref);
    } catch (InvalidArgumentException e) {
      return null;
    }
    byte[] b = objects.get(TAGS + encode(tag));
    return b == null ? null : new String(b, StandardCharsets.US_ASCII);
  }

  private static String canonicalTag(String ref) {
    return io.strata.store.image.ImageRef.parse(ref).toString();
  }

  /** Waits until the shared index holds every chunk of {@code plan}. */
  private void awaitChunks(TransferPlan plan, String ref) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHUNK_WAIT_MILLIS);
    while (true) {
      chunks.shared().refresh();
      int missing = images.missing(plan).size();
      if (missing == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new ConflictException(
            "image "
                + ref
                + ": "
                + missing
                + " of its chunks are not in "
                + objects.describe()
                + " yet (the node that made it has not uploaded them)");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the chunks of " + ref, e);
      }
    }
  }

  /** Waits for the publications queued so far (tests, and a graceful stop). */
  public void awaitPublished(long millis) throws InterruptedException {
    var done = new java.util.concurrent.CountDownLatch(1);
    publisher.execute(done::countDown);
    done.await(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      awaitPublished(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    publisher.shutdownNow();
  }

  private static String encode(String tag) {
    return URLEncoder.encode(tag, StandardCharsets.UTF_8);
  }

  private static String decode(String key) {
    return URLDecoder.decode(key, StandardCharsets.UTF_8);
  }
}

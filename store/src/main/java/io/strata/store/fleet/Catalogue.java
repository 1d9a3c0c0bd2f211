package io.strata.store.fleet;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.CataloguedImage;
import io.strata.store.image.ImageRef;
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
 * the image. Tags are last-writer-wins across the fleet; removing a tag on one node removes it from
 * the catalogue, not from the other nodes that already made the image theirs.
 *
 * <p>What a node publishes is what it did to a tag (made, moved, removed), however it came by the
 * image, and nothing else: each node marks in its own roots what the catalogue names by each tag as
 * far as it knows ({@link ImageStore.FleetTag}), a tag made from the catalogue is marked in the
 * commit that makes it, and a tag the node makes drops its mark in its own commit. At start a node
 * carries to the catalogue only the tags whose mark disagrees (a stop before publishing), so a
 * restart never brings back a tag another node removed or moved since.
 */
public final class Catalogue implements ImageStore.FleetImages, Closeable {
  private static final System.Logger LOG = System.getLogger(Catalogue.class.getName());
  static final String IMAGES = "catalogue/images/";

  /**
   * {@code catalogue/reclaimed/<id hex>}: a fleet gc deleted chunks of that image's plan, which no
   * tag named (the plan stays: a node that imports the image again publishes it again).
   */
  static final String RECLAIMED = "catalogue/reclaimed/";

  static final String TAGS = "catalogue/tags/";

  /** How long a fetch waits for the chunks of a published plan to appear in the shared index. */
  private static final long CHUNK_WAIT_MILLIS = 30_000;

  private final ObjectStore objects;
  private final ChunkStore chunks;
  private final ImageStore images;
  private final java.util.concurrent.ScheduledExecutorService publisher;
  // Tag → whether it was removed here: the tags whose change waits for the publisher thread (one
  // task per tag however many changes; the task reads the tag as it is then).
  private final Map<String, Boolean> queued = new HashMap<>();
  // The tag the publisher thread is carrying now (guarded by queued).
  private String syncing;

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
   * on are published, and so is what this node did to its tags that the catalogue lacks (a stop
   * before publishing).
   */
  public static Catalogue start(ChunkStore chunks, ImageStore images) throws IOException {
    if (chunks.shared() == null) {
      throw new InvalidArgumentException("chunk store shares no bucket");
    }
    Catalogue c = new Catalogue(chunks.shared().objects(), chunks, images);
    chunks.onRootChanges(c::changed);
    images.fleet(c);
    for (ImageStore.FleetTag t : images.unpublishedTags()) {
      c.queue(t.tag(), false, 0, 1_000);
    }
    return c;
  }

  private void changed(List<RootChange> changes) {
    for (RootChange ch : changes) {
      String tag = ImageStore.changedTag(ch);
      if (tag == null || changes.stream().anyMatch(c -> ImageStore.fromCatalogue(c, tag))) {
        continue; // not a tag, or one this node made from the catalogue: the catalogue's already
      }
      queue(tag, ch instanceof RootChange.Remove, 0, 1_000);
    }
  }

  /**
   * Carries {@code tag} to the catalogue after {@code delayMillis} (retrying after {@code
   * backoffMillis}), unless it waits already: the task queued reads the tag when it runs.
   */
  private void queue(String tag, boolean removed, long delayMillis, long backoffMillis) {
    synchronized (queued) {
      Boolean before = queued.put(tag, removed || Boolean.TRUE.equals(queued.get(tag)));
      if (before != null || publisher.isShutdown()) {
        return;
      }
    }
    try {
      publisher.schedule(() -> sync(tag, backoffMillis), delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: what is left is carried at the next start
    }
  }

  /** Whether a change of {@code tag} here waits for the publisher thread. */
  private boolean waiting(String tag) {
    synchronized (queued) {
      return queued.containsKey(tag) || tag.equals(syncing);
    }
  }

  /**
   * Carries what this node did to {@code tag} to the catalogue, and on failure (the bucket
   * unreachable) tries again later, backing off.
   */
  private void sync(String tag, long backoffMillis) {
    boolean removed;
    synchronized (queued) {
      removed = queued.remove(tag);
      syncing = tag;
    }
    ImageStore.FleetTag t = null;
    try {
      t = images.fleetTag(tag);
      if (t.local() != null) {
        CataloguedImage published = t.unpublished() ? publish(tag, t.local()) : null;
        if (published != null) {
          images.catalogued(tag, published);
        }
      } else if (t.catalogued() != null || removed) {
        unpublish(tag, t.catalogued());
        images.catalogued(tag, null);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "carrying tag {0} ({1}) to {2} failed, retrying in {3} s: {4}",
          tag,
          t == null ? "?" : t.local() == null ? "removed" : t.local(),
          objects.describe(),
          backoffMillis / 1000,
          e.getMessage());
      queue(tag, removed, backoffMillis, Math.min(2 * backoffMillis, 60_000));
    } finally {
      synchronized (queued) {
        syncing = null;
      }
    }
  }

  /**
   * Publishes the plan of what {@code tag} names here, image {@code id} and the manifest its export
   * gives now (once: a plan is per image and manifest), and points {@code tag} at it; returns what
   * it published, or null if the tag names no image or another one here meanwhile (removed or
   * moved: the change queued then carries it).
   */
  private CataloguedImage publish(String tag, String id) throws IOException {
    TransferPlan plan;
    try {
      plan = images.catalogueEntryPlan(tag, images.contentCut());
    } catch (io.strata.store.error.NotFoundException e) {
      return null; // removed meanwhile
    }
    CataloguedImage entry = entryOf(plan);
    if (!entry.id().equals(id)) {
      return null;
    }
    // The plan must not name chunks the others cannot read yet.
    chunks.publishToBucket(120_000);
    objects.create(planKey(entry), plan.encode());
    objects.put(TAGS + encode(tag), entry.publishedText());
    LOG.log(
        System.Logger.Level.INFO,
        "published {0} ({1}, manifest {2}) to {3}",
        tag,
        entry.id(),
        entry.manifest() == null ? "none" : entry.manifest(),
        objects.describe());
    return entry;
  }

  /** The image and manifest {@code plan} carries. */
  private static CataloguedImage entryOf(TransferPlan plan) {
    byte[] m = plan.arrived() == null ? null : plan.arrived().manifest();
    return new CataloguedImage(
        plan.imageId().toString(), m == null ? null : Digest.sha256(m, 0, m.length).toString());
  }

  /**
   * The key of the plan of {@code entry}: {@code <image hex>.plan} for an image with no manifest
   * (and for every image published before the manifest was kept), {@code <image hex>.<manifest
   * hex>.plan} otherwise.
   */
  static String planKey(CataloguedImage entry) {
    return IMAGES + planName(entry) + ".plan";
  }

  /** {@link #planKey} without its prefix and suffix: also the key of its reclaimed mark. */
  static String planName(CataloguedImage entry) {
    return hex(entry.id()) + (entry.manifest() == null ? "" : "." + hex(entry.manifest()));
  }

  private static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  /**
   * Removes {@code tag} from the catalogue: when this node knew the catalogue to name {@code known}
   * by it, only while it still does (another node may have moved the tag since); otherwise (a tag
   * this node made and removed before it was published) whatever it names.
   */
  private void unpublish(String tag, CataloguedImage known) throws IOException {
    String key = TAGS + encode(tag);
    if (known != null) {
      byte[] now = objects.get(key);
      if (now == null || !known.sameAs(CataloguedImage.parse(now, key))) {
        return;
      }
    }
    objects.delete(key);
    LOG.log(System.Logger.Level.INFO, "removed {0} from {1}", tag, objects.describe());
  }

  /** Tag → what the catalogue names by it. */
  public Map<String, CataloguedImage> publishedTags() throws IOException {
    Map<String, CataloguedImage> out = new HashMap<>();
    List<String> keys = new ArrayList<>();
    objects.list(TAGS, (k, size) -> keys.add(k));
    for (String k : keys) {
      byte[] b = objects.get(k);
      if (b != null) {
        out.put(decode(k.substring(TAGS.length())), CataloguedImage.parse(b, k));
      }
    }
    return out;
  }

  @Override
  public TransferPlan find(String ref) throws IOException {
    String key = planKeyOf(ref);
    if (key == null) {
      return null;
    }
    byte[] b = objects.get(key);
    if (b == null) {
      return null;
    }
    TransferPlan plan = TransferPlan.decode(new ByteArrayInputStream(b), key);
    int at = ref.indexOf('@');
    if (at > 0 && !ref.substring(at + 1).equals(entryOf(plan).manifest())) {
      throw new io.strata.store.error.CorruptDataException(
          key + ": names manifest " + ref.substring(at + 1) + " but carries another", key);
    }
    // A pull by digest makes the image untagged, pulled as that reference; a tag is renamed
    // whole: the manifest the image arrived with travels too, or the other nodes export new
    // digests for an image a client pushed (X1 in docs/ADVERSARIAL.md).
    String name = isImageId(ref) ? "" : at > 0 ? ref : canonicalTag(ref);
    plan = plan.named(name);
    String planName = key.substring(IMAGES.length(), key.length() - ".plan".length());
    awaitChunks(plan, ref, planName);
    LOG.log(
        System.Logger.Level.INFO,
        "making {0} ({1}) from {2}",
        ref,
        plan.imageId(),
        objects.describe());
    return plan;
  }

  /**
   * The key of the plan {@code ref} names in the catalogue: a tag, a {@code REPOSITORY@DIGEST} of a
   * published manifest, or a full image id (its plan without a manifest, else one with); null if
   * none.
   */
  private String planKeyOf(String ref) throws IOException {
    if (isImageId(ref)) {
      String plain = IMAGES + hex(ref) + ".plan";
      if (objects.get(plain) != null) {
        return plain;
      }
      List<String> keys = new ArrayList<>();
      objects.list(IMAGES + hex(ref) + ".", (k, size) -> keys.add(k));
      return keys.isEmpty() ? null : keys.get(0);
    }
    int at = ref.indexOf('@');
    if (at > 0) {
      return planKeyByDigest(ref.substring(0, at), ref.substring(at + 1));
    }
    String tag;
    try {
      tag = canonicalTag(ref);
    } catch (InvalidArgumentException e) {
      return null;
    }
    if (waiting(tag) || images.fleetTag(tag).unpublished()) {
      return null; // removed here, and the catalogue not told yet: it must not come back
    }
    String key = TAGS + encode(tag);
    byte[] b = objects.get(key);
    return b == null ? null : planKey(CataloguedImage.parse(b, key));
  }

  /**
   * The plan a tag of {@code repository} in the catalogue names with manifest {@code digest}, or
   * null: a pull of {@code REPOSITORY@DIGEST} finds an image only while a tag of that repository
   * names that manifest, as on one node (a digest is no key to another repository's images, AP1;
   * and a manifest deleted with its tags is not made again from the catalogue, AR3).
   */
  private String planKeyByDigest(String repository, String digest) throws IOException {
    try {
      ImageRef.parse(repository + ":latest");
      Digest.parse(digest);
    } catch (InvalidArgumentException e) {
      return null;
    }
    if (!digest.startsWith("sha256:")) {
      return null;
    }
    List<String> keys = new ArrayList<>();
    objects.list(TAGS + encode(repository + ":"), (k, size) -> keys.add(k));
    for (String k : keys) {
      byte[] b = objects.get(k);
      CataloguedImage e = b == null ? null : CataloguedImage.parse(b, k);
      if (e != null && digest.equals(e.manifest())) {
        return planKey(e);
      }
    }
    return null;
  }

  private static boolean isImageId(String ref) {
    return ref.startsWith("sha256:") && ref.length() == 71;
  }

  private static String canonicalTag(String ref) {
    return ImageRef.parse(ref).toString();
  }

  /**
   * Waits until the shared index holds every chunk of {@code plan}. Refused at once when the
   * fleet's gc running now condemned some of them (this node may not come to depend on them), or
   * after a gc reclaimed them ({@code catalogue/reclaimed/}): then no wait can bring them.
   */
  private void awaitChunks(TransferPlan plan, String ref, String planName) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHUNK_WAIT_MILLIS);
    while (true) {
      chunks.shared().refresh();
      Map<Digest, Integer> missing = images.missing(plan);
      if (missing.isEmpty()) {
        return;
      }
      int damaged = stillDamaged(missing.keySet());
      if (damaged < 0) {
        continue; // a chunk read whole again (its bucket copy was mended): look once more
      }
      if (damaged > 0) {
        throw new io.strata.store.error.CorruptDataException(
            "image "
                + ref
                + ": "
                + damaged
                + " of its chunks were found damaged in "
                + objects.describe()
                + " (a read failed its checksum) and still are; fsck on the node that made the"
                + " image uploads its good copy again, after which this node reads them again",
            ref);
      }
      long condemned = missing.keySet().stream().filter(d -> chunks.idsOf(d).length > 0).count();
      // Once the gc is over (its condemned set gone from the bucket), this node lifts it within a
      // member round, and the chunks are either here or reclaimed: wait for that.
      if (condemned > 0 && objects.get(FleetGc.CONDEMNED) != null) {
        throw new ConflictException(
            "image "
                + ref
                + ": "
                + condemned
                + " of its chunks are condemned by the fleet's gc running now (no tag of the"
                + " catalogue names the image), so it cannot be made on this node; import it"
                + " again, or tag it again on a node that holds it");
      }
      byte[] reclaimed = objects.get(RECLAIMED + planName);
      if (reclaimed != null) {
        throw new NotFoundException(
            "image "
                + ref
                + ": "
                + missing.size()
                + " of its chunks were reclaimed by "
                + new String(reclaimed, StandardCharsets.UTF_8).strip()
                + " (no tag of the catalogue named the image); import it again");
      }
      if (System.nanoTime() > deadline) {
        throw new ConflictException(
            "image "
                + ref
                + ": "
                + missing.size()
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

  /**
   * How many chunks of {@code missing} this node knows damaged and still reads damaged, or -1 if
   * one of them now reads whole (its bucket copy mended since) and so is missing no longer. A chunk
   * known damaged is in the index: it is damage, never "not uploaded yet".
   */
  private int stillDamaged(java.util.Set<Digest> missing) throws IOException {
    int damaged = 0;
    boolean mended = false;
    for (Digest d : missing) {
      int id = chunks.idOf(d);
      if (id >= 0 && chunks.isDamaged(id)) {
        if (chunks.readsIntactAgain(id)) {
          mended = true;
        } else {
          damaged++;
        }
      }
    }
    return mended ? -1 : damaged;
  }

  /** Waits for the publications queued so far (tests, and a graceful stop). */
  public void awaitPublished(long millis) throws InterruptedException {
    var done = new java.util.concurrent.CountDownLatch(1);
    try {
      publisher.execute(done::countDown);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return; // closed
    }
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

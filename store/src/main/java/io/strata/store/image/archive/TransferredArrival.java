package io.strata.store.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.blob.BlobService;
import io.strata.store.blob.BlobWriter;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.image.layer.ZstdRecipe;
import io.strata.store.transfer.ChunkPiece;
import io.strata.store.transfer.TransferPlan;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The manifest a transferred image arrived with on the sending host ({@link TransferPlan.Arrived}),
 * made this host's once the image's layers are: the manifest must describe the image (its config,
 * its layers' blobs in order), and every layer blob must come back byte for byte from this host's
 * layer as the sender says it does. A blob given by a recipe is compressed again here and its
 * digest compared; a blob kept whole is stored from the plan's chunks under its digest. Nothing a
 * peer sends is recorded unchecked: a recipe that does not give its blob back is refused, naming
 * the blob, rather than exported later as bytes that do not match the manifest.
 */
public final class TransferredArrival {
  /** The manifest types of images (an index travels as the image it picked). */
  private static final Set<String> IMAGE_MANIFESTS =
      Set.of(
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json");

  private final ChunkStore chunks;
  private final LayerStore store;
  private final BlobService blobs;
  private final List<Digest> stored = new ArrayList<>();

  public TransferredArrival(ChunkStore chunks, LayerStore store) {
    this.chunks = chunks;
    this.store = store;
    this.blobs = new BlobService(chunks);
  }

  /**
   * Checks {@code a}, the arrival of the image of {@code config} whose layers here are {@code
   * layers} (bottom first), and stores the blobs it keeps whole; {@code known}: this host recorded
   * the same manifest for the image before (its recipes were checked then, so they are not run
   * again). Refused with {@link InvalidArgumentException} naming {@code what} and the blob.
   */
  public ArrivedAs check(
      TransferPlan.Arrived a, byte[] config, List<LayerRecord> layers, boolean known, String what)
      throws IOException {
    String where = what + " manifest";
    checkManifest(a, config, where);
    List<LayerBlob> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      TransferPlan.LayerBlob t = a.blobs().get(i);
      LayerRecord l = layers.get(i);
      String name = what + " layer blob " + t.digest();
      Digest d = digest(t.digest(), name);
      LayerBlob b =
          switch (t.form()) {
            case LayerBlob.TAR -> {
              if (!t.digest().equals(l.diffId()) || t.size() != l.size()) {
                throw new InvalidArgumentException(
                    name + ": said to be the layer's tar, which is " + l.diffId());
              }
              yield new LayerBlob(t.digest(), t.mediaType(), t.size(), LayerBlob.TAR, null);
            }
            case LayerBlob.GZIP -> {
              LayerBlobs.decode(t.recipe(), name); // refuses a recipe that does not decode
              yield new LayerBlob(t.digest(), t.mediaType(), t.size(), LayerBlob.GZIP, t.recipe());
            }
            case LayerBlob.ZSTD -> {
              ZstdRecipe.decode(t.recipe(), name);
              yield new LayerBlob(
                  t.digest(), t.mediaType(), t.size(), LayerBlob.ZSTD, null, t.recipe());
            }
            case LayerBlob.BLOB -> {
              keepWhole(d, t, name);
              yield new LayerBlob(t.digest(), t.mediaType(), t.size(), LayerBlob.BLOB, null);
            }
            default ->
                throw new InvalidArgumentException(name + ": unknown form '" + t.form() + "'");
          };
      boolean recipe = LayerBlob.GZIP.equals(b.form()) || LayerBlob.ZSTD.equals(b.form());
      if (recipe && !known) {
        checkRecipe(b, l, d, name);
      }
      out.add(b);
    }
    return new ArrivedAs(a.manifest(), a.type(), out);
  }

  /** Removes the blobs {@link #check} stored (new here): the image was not recorded. */
  public void undo() throws IOException {
    for (Digest d : stored) {
      blobs.remove(d);
    }
    stored.clear();
  }

  /** The manifest names the image's config and, in order, the plan's layer blobs. */
  private static void checkManifest(TransferPlan.Arrived a, byte[] config, String where) {
    if (!IMAGE_MANIFESTS.contains(a.type())) {
      throw new InvalidArgumentException(where + ": type '" + a.type() + "' is no image manifest");
    }
    JsonNode m = JsonCodec.object(a.manifest(), where);
    String configDigest = Digest.sha256(config, 0, config.length).toString();
    if (!configDigest.equals(m.path("config").path("digest").asText())) {
      throw new InvalidArgumentException(where + ": names another config than " + configDigest);
    }
    JsonNode layers = m.path("layers");
    if (layers.size() != a.blobs().size()) {
      throw new InvalidArgumentException(
          where + ": lists " + layers.size() + " layers for " + a.blobs().size() + " blobs");
    }
    for (int i = 0; i < layers.size(); i++) {
      JsonNode l = layers.get(i);
      TransferPlan.LayerBlob b = a.blobs().get(i);
      if (!b.digest().equals(l.path("digest").asText())
          || b.size() != l.path("size").asLong(-1)
          || !b.mediaType().equals(l.path("mediaType").asText())) {
        throw new InvalidArgumentException(
            where + ": layer " + i + " is not blob " + b.digest() + " of " + b.size() + " bytes");
      }
    }
  }

  private static Digest digest(String text, String what) {
    try {
      return Digest.parse(text);
    } catch (RuntimeException e) {
      throw new InvalidArgumentException(what + ": no sha256 digest");
    }
  }

  /** Compresses layer {@code l} again by {@code b}'s recipe: it must give blob {@code d} back. */
  private void checkRecipe(LayerBlob b, LayerRecord l, Digest d, String what) throws IOException {
    MessageDigest sha = Digest.newSha256();
    long size = 0;
    byte[] buf = new byte[256 << 10];
    try (InputStream in = LayerBlobs.open(b, l, store, blobs, what)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
        size += n;
      }
    }
    Digest got = Digest.of(sha.digest());
    if (!got.equals(d) || size != b.size()) {
      throw new InvalidArgumentException(
          what + ": its recipe gives " + size + " bytes of digest " + got + ", not the blob");
    }
  }

  /**
   * Stores blob {@code d} from the plan's chunks of it (all here now), unless this store holds it
   * intact already; one it holds damaged is stored again, which mends it.
   */
  private void keepWhole(Digest d, TransferPlan.LayerBlob t, String what) throws IOException {
    boolean damaged = blobs.holdsDamaged(d);
    if (!damaged) {
      try {
        long size = blobs.size(d);
        if (size != t.size()) {
          throw new InvalidArgumentException(
              what + ": held here with " + size + " bytes, the plan says " + t.size());
        }
        return;
      } catch (NotFoundException e) {
        // not held yet
      }
    }
    List<ChunkPiece> pieces = t.whole();
    int[] ids = new int[pieces.size()];
    int[] lengths = new int[pieces.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = chunks.idOf(pieces.get(i).digest());
      if (ids[i] < 0) {
        throw new NotFoundException(
            what + ": chunk " + pieces.get(i).digest() + " has not arrived");
      }
      lengths[i] = pieces.get(i).length();
    }
    Recipe r = new Recipe(ids, lengths);
    if (r.size() != t.size()) {
      throw new InvalidArgumentException(
          what + ": its chunks hold " + r.size() + " bytes, the plan says " + t.size());
    }
    try (InputStream in = new RecipeInputStream(chunks, r, 0, r.size(), what);
        BlobWriter w = blobs.create()) {
      byte[] buf = new byte[256 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        w.write(buf, 0, n);
      }
      w.commit(d); // refused unless the bytes are blob d
    }
    if (!damaged) {
      stored.add(d);
    }
  }
}

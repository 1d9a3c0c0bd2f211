package io.strata.store.image.archive;

import io.strata.store.blob.BlobService;
import io.strata.store.digest.Digest;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.gzip.GzipRecipes;
import io.strata.store.gzip.RegeneratedGzipInputStream;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerCodec;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.image.layer.ZstdRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Iterator;

/**
 * Finds how a layer blob just imported can be given back byte for byte without keeping it: it is
 * the layer's tar itself; or its recipe is already known (a registry found it at push); or a Go
 * gzip level, tried on a prefix and then replayed over the whole blob, reproduces it; or, for zstd,
 * Strata's zstd at some level does ({@link ZstdRecipe}).
 */
final class LayerBlobs {
  private LayerBlobs() {}

  /**
   * How {@code blob}, whose uncompressed contents are {@code layer}, comes back; null when nothing
   * reproduces it (the image then exports as Strata made it, with uncompressed layers).
   */
  static LayerBlob of(ArchiveSource src, ArchiveImages.Blob blob, LayerRecord layer)
      throws IOException {
    Digest d = blob.digest();
    if (d == null) {
      return null;
    }
    String type = blob.mediaType() == null ? LayerCodec.LAYER_TAR : blob.mediaType();
    if (d.toString().equals(layer.diffId())) {
      return new LayerBlob(d.toString(), type, layer.size(), LayerBlob.TAR, null);
    }
    GzipRecipe known = src.gzipRecipe(blob.name());
    if (known != null) {
      return new LayerBlob(d.toString(), type, known.size(), LayerBlob.GZIP, encode(known));
    }
    long whole = src.storedWhole(blob.name());
    if (whole >= 0) {
      return new LayerBlob(d.toString(), type, whole, LayerBlob.BLOB, null);
    }
    GzipRecipes.Source source = () -> src.open(blob.name());
    byte[] header = GzipRecipes.header(source);
    if (header == null) {
      ZstdRecipe z = ZstdRecipe.find(() -> src.open(blob.name()), layer.size());
      if (z == null) {
        return null;
      }
      long size;
      try (InputStream in = src.open(blob.name())) {
        size = in.transferTo(OutputStream.nullOutputStream());
      }
      return new LayerBlob(d.toString(), type, size, LayerBlob.ZSTD, null, z.encode());
    }
    try {
      Iterator<GzipRecipe> candidates = GzipRecipes.candidates(source, header);
      while (candidates.hasNext()) {
        GzipRecipe c = candidates.next();
        // the uncompressed bytes are the layer's, already stored: the replay only compares
        GzipRecipes.Replayed r = GzipRecipes.replay(source, c, (b, off, len) -> {});
        if (r != null && r.digest().equals(d)) {
          return new LayerBlob(d.toString(), type, r.size(), LayerBlob.GZIP, encode(c.replayed(r)));
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return null;
  }

  /**
   * The bytes of layer blob {@code b} of layer {@code l}: the layer's tar from {@code store},
   * compressed again by its recipe (the digest checked as the last bytes are read), or the blob
   * {@code blobs} keeps whole.
   */
  static InputStream open(
      LayerBlob b, LayerRecord l, LayerStore store, BlobService blobs, String what)
      throws IOException {
    return switch (b.form()) {
      case LayerBlob.TAR -> store.open(l);
      case LayerBlob.GZIP ->
          new RegeneratedGzipInputStream(
              store.open(l), decode(b.gzip(), what), Digest.parse(b.digest()), what);
      case LayerBlob.ZSTD ->
          ZstdRecipe.decode(b.zstd(), what)
              .regenerate(store.open(l), l.size(), Digest.parse(b.digest()), what);
      case LayerBlob.BLOB -> blobs.open(Digest.parse(b.digest()), 0, -1);
      default -> throw new IOException(what + ": unknown form " + b.form());
    };
  }

  static String encode(GzipRecipe r) {
    ByteBuffer b = ByteBuffer.allocate(r.encodedLength());
    r.encode(b);
    return Base64.getEncoder().encodeToString(b.array());
  }

  static GzipRecipe decode(String s, String where) {
    return GzipRecipe.decode(ByteBuffer.wrap(Base64.getDecoder().decode(s)), where);
  }
}

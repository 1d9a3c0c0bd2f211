package io.strata.store.registry;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.gzip.GzipRecipe;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ChunkPiece;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one layer blob of an image is made of, as a Strata registry publishes it in a chunk-index
 * artifact (one such blob per layer of the image, zstd-compressed: {@link #LAYER_TYPE_ZSTD}): for a
 * gzip layer kept as a recipe, the ordered chunks of its uncompressed tar and the recipe that
 * compresses them back into the exact blob; for a layer kept whole, nothing but that fact (a puller
 * fetches it whole).
 *
 * <pre>
 * index  := "SCI1" layer:32 kind:u8 body
 * body   := (kind 0: kept whole)
 *         | (kind 1: gzip) recipeLength:u16 recipe pieces     recipe as GzipRecipe.encode writes it
 * pieces := n:u32 (digest:32 length:u32){n}                    ChunkLists' encoding, in order, repeats kept
 * </pre>
 *
 * @param layer the layer blob's digest
 * @param gzip the recipe that regenerates it from {@code pieces}; null when it is kept whole
 * @param pieces the chunks of its uncompressed contents, in order (empty when kept whole)
 */
public record LayerChunkIndex(Digest layer, GzipRecipe gzip, List<ChunkPiece> pieces) {
  /** The artifact type of a chunk index: the referrers of an image manifest are filtered by it. */
  public static final String ARTIFACT_TYPE = "application/vnd.strata.chunk-index.v1";

  /**
   * The media type of a layer blob holding one {@link LayerChunkIndex} as {@link #encode} writes it
   * (what registries published before the index was compressed; still read).
   */
  public static final String LAYER_TYPE = "application/vnd.strata.chunk-index.layer.v1";

  /** The media type of a layer blob holding {@link #encode}'s bytes in one zstd frame. */
  public static final String LAYER_TYPE_ZSTD = LAYER_TYPE + "+zstd";

  /** The annotation of a layer blob naming the image layer it describes. */
  public static final String LAYER_ANNOTATION = "io.strata.chunk-index.layer";

  /** The largest index accepted from a registry: about 900,000 chunks, 55 GB of layer. */
  public static final int MAX_BYTES = 32 << 20;

  /**
   * zstd's level for the index: the digests (32 of each 36 bytes) are random and do not compress at
   * any level, so a high level buys little; this one costs milliseconds per 10,000 chunks.
   */
  private static final int ZSTD_LEVEL = 9;

  private static final byte[] MAGIC = {'S', 'C', 'I', '1'};
  private static final int WHOLE = 0;
  private static final int GZIP = 1;

  public LayerChunkIndex {
    pieces = List.copyOf(pieces);
    if (gzip == null && !pieces.isEmpty()) {
      throw new IllegalArgumentException("a layer kept whole lists no chunks");
    }
  }

  /** Whether the layer is fetched whole rather than as chunks. */
  public boolean keptWhole() {
    return gzip == null;
  }

  /** The layer's uncompressed length: the sum of its pieces. */
  public long uncompressedSize() {
    return pieces.stream().mapToLong(ChunkPiece::length).sum();
  }

  /** Its distinct chunks, digest to length, in first-use order. */
  public Map<Digest, Integer> distinct() {
    Map<Digest, Integer> out = new LinkedHashMap<>();
    pieces.forEach(p -> out.putIfAbsent(p.digest(), p.length()));
    return out;
  }

  /** The encoded form. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 36 * pieces.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.write(layer.bytes());
      out.writeByte(gzip == null ? WHOLE : GZIP);
      if (gzip != null) {
        ByteBuffer r = ByteBuffer.allocate(gzip.encodedLength());
        gzip.encode(r);
        out.writeShort(r.capacity());
        out.write(r.array());
        ChunkLists.write(out, pieces);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The encoded form in one zstd frame: the blob of a {@link #LAYER_TYPE_ZSTD} layer. */
  public byte[] encodeZstd() {
    return Zstd.compress(encode(), ZSTD_LEVEL);
  }

  /**
   * Reads an index from the untrusted bytes of a layer blob of media type {@code mediaType} (either
   * of the two this Strata writes; any other is refused, as is a zstd frame that inflates past
   * {@link #MAX_BYTES}); errors name {@code where}.
   */
  public static LayerChunkIndex decode(String mediaType, byte[] blob, String where) {
    if (LAYER_TYPE.equals(mediaType)) {
      return decode(blob, where);
    }
    if (!LAYER_TYPE_ZSTD.equals(mediaType)) {
      throw new InvalidArgumentException(
          where
              + ": layer index of media type "
              + mediaType
              + ", which this Strata does not read (it reads "
              + LAYER_TYPE
              + " and "
              + LAYER_TYPE_ZSTD
              + ")");
    }
    byte[] plain;
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(blob))) {
      plain = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new InvalidArgumentException(where + ": not a zstd frame: " + e.getMessage(), e);
    }
    if (plain.length > MAX_BYTES) {
      throw new InvalidArgumentException(
          where + ": the chunk index inflates past " + MAX_BYTES + " bytes");
    }
    return decode(plain, where);
  }

  /** Reads an index from untrusted bytes; errors name {@code where}. */
  public static LayerChunkIndex decode(byte[] bytes, String where) {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new InvalidArgumentException(where + ": not a Strata chunk index");
      }
      byte[] d = new byte[Digest.LENGTH];
      in.readFully(d);
      Digest layer = Digest.of(d);
      int kind = in.readUnsignedByte();
      LayerChunkIndex out;
      if (kind == WHOLE) {
        out = new LayerChunkIndex(layer, null, List.of());
      } else if (kind == GZIP) {
        byte[] r = new byte[in.readUnsignedShort()];
        in.readFully(r);
        GzipRecipe gzip = GzipRecipe.decode(ByteBuffer.wrap(r), where);
        out = new LayerChunkIndex(layer, gzip, ChunkLists.read(in, where));
      } else {
        throw new InvalidArgumentException(where + ": unknown layer kind " + kind);
      }
      if (in.read() >= 0) {
        throw new InvalidArgumentException(where + ": bytes follow the chunk index");
      }
      return out;
    } catch (EOFException e) {
      throw new InvalidArgumentException(where + ": the chunk index is cut short");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (e instanceof InvalidArgumentException) {
        throw e;
      }
      throw new InvalidArgumentException(where + ": malformed chunk index: " + e.getMessage(), e);
    }
  }
}

package io.strata.store.registry;

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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one layer blob of an image is made of, as a Strata registry publishes it in a chunk-index
 * artifact (one such blob per layer of the image): for a gzip layer kept as a recipe, the ordered
 * chunks of its uncompressed tar and the recipe that compresses them back into the exact blob; for
 * a layer kept whole, nothing but that fact (a puller fetches it whole).
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

  /** The media type of each of its layer blobs, one {@link LayerChunkIndex} each. */
  public static final String LAYER_TYPE = "application/vnd.strata.chunk-index.layer.v1";

  /** The annotation of a layer blob naming the image layer it describes. */
  public static final String LAYER_ANNOTATION = "io.strata.chunk-index.layer";

  /** The largest index accepted from a registry: about 900,000 chunks, 55 GB of layer. */
  public static final int MAX_BYTES = 32 << 20;

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

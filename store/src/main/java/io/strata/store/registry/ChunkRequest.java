package io.strata.store.registry;

import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ChunkPiece;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of Strata's chunk request ({@code POST /v2/NAME/_strata/chunks}): the layers whose
 * uncompressed contents the chunks must come from, then the chunks wanted. The layers travel in the
 * body, not the query string, so an image of any number of layers fits (the request line is capped
 * at 8 KiB, about 100 digests).
 *
 * <pre>
 * request := layers:u16 (digest:32){layers} n:u32 (digest:32 length:u32){n}
 * </pre>
 *
 * @param layers the layer blobs named, at least one, at most {@link #MAX_LAYERS}
 * @param wanted the chunks asked for
 */
public record ChunkRequest(List<Digest> layers, List<ChunkPiece> wanted) {
  /** The most layers one request names: far above any image's (docker stops at 125). */
  public static final int MAX_LAYERS = 4096;

  public ChunkRequest {
    layers = List.copyOf(layers);
    wanted = List.copyOf(wanted);
    if (layers.isEmpty() || layers.size() > MAX_LAYERS) {
      throw new IllegalArgumentException(
          "a chunk request names 1 to " + MAX_LAYERS + " layers, not " + layers.size());
    }
  }

  /** The encoded form. */
  public byte[] encode() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(6 + 32 * layers.size() + 36 * wanted.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeShort(layers.size());
      for (Digest l : layers) {
        out.write(l.bytes());
      }
      ChunkLists.write(out, wanted);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads a request from untrusted bytes; errors name {@code where}. */
  public static ChunkRequest decode(byte[] body, String where) {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    try {
      int n = in.readUnsignedShort();
      if (n == 0 || n > MAX_LAYERS) {
        throw new InvalidArgumentException(
            where + ": names " + n + " layers (1 to " + MAX_LAYERS + " allowed)");
      }
      List<Digest> layers = new ArrayList<>(n);
      byte[] d = new byte[Digest.LENGTH];
      for (int i = 0; i < n; i++) {
        in.readFully(d);
        layers.add(Digest.of(d));
      }
      List<ChunkPiece> wanted = ChunkLists.read(in, where);
      if (in.read() >= 0) {
        throw new InvalidArgumentException(where + ": bytes follow the list of chunks");
      }
      return new ChunkRequest(layers, wanted);
    } catch (EOFException e) {
      throw new InvalidArgumentException(where + ": the request is cut short");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

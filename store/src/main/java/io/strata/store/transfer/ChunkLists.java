package io.strata.store.transfer;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists of chunks on the wire, in plans and in the lists of chunks a receiver asks for:
 *
 * <pre>
 * pieces := n:u32 (digest:32 length:u32){n}
 * </pre>
 *
 * Lengths run from 1 to the largest chunk ({@link ChunkerParams#MAX_CHUNK}).
 */
public final class ChunkLists {
  private ChunkLists() {}

  /** Writes {@code pieces}. */
  public static void write(DataOutputStream out, Collection<ChunkPiece> pieces) throws IOException {
    out.writeInt(pieces.size());
    for (ChunkPiece p : pieces) {
      out.write(p.digest().bytes());
      out.writeInt(p.length());
    }
  }

  /** The encoding of {@code chunks}, digest to length. */
  public static byte[] encode(Map<Digest, Integer> chunks) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      write(
          out,
          chunks.entrySet().stream().map(e -> new ChunkPiece(e.getKey(), e.getValue())).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads one list from untrusted bytes; errors name {@code where}. */
  public static List<ChunkPiece> read(DataInputStream in, String where) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new InvalidArgumentException(where + ": a list of " + n + " chunks");
    }
    // Grown as pieces arrive, not sized by the count: a hostile count must not allocate.
    List<ChunkPiece> out = new ArrayList<>(Math.min(n, 1024));
    byte[] d = new byte[Digest.LENGTH];
    for (int i = 0; i < n; i++) {
      in.readFully(d);
      int len = in.readInt();
      if (len <= 0 || len > ChunkerParams.MAX_CHUNK) {
        throw new InvalidArgumentException(where + ": a chunk of " + len + " bytes");
      }
      out.add(new ChunkPiece(Digest.of(d), len));
    }
    return out;
  }

  /**
   * Reads a whole stream holding one list, as {@link #encode} writes it; errors name {@code where}.
   */
  public static Map<Digest, Integer> decode(InputStream raw, String where) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    try {
      Map<Digest, Integer> out = new LinkedHashMap<>();
      read(in, where).forEach(p -> out.put(p.digest(), p.length()));
      if (in.read() >= 0) {
        throw new InvalidArgumentException(where + ": bytes follow the list of chunks");
      }
      return out;
    } catch (EOFException e) {
      throw new InvalidArgumentException(where + ": the list of chunks is cut short");
    }
  }
}

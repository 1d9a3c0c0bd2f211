package io.strata.store.transfer;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.compress.Codec;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The chunks of a transfer on the wire, each compressed on its own and named by the SHA-256 of its
 * bytes:
 *
 * <pre>
 * record := digest:32 codec:u8 rawLength:u32 length:u32 byte{length}
 * </pre>
 *
 * repeated to the end of the stream; {@code codec} is 0 none, 1 lz4, 2 zstd. The reader decodes
 * each record within the chunk size limit and re-hashes it: a chunk whose bytes do not match its
 * digest, that was not asked for, or that is cut short stops the transfer with an error naming it,
 * and is never handed on.
 */
public final class ChunkRecords {
  private ChunkRecords() {}

  /**
   * Receives each verified chunk as it came: {@code length} bytes of {@code encoded} in {@code
   * codec}, which decode to {@code rawLength} bytes whose SHA-256 is {@code digest}. The array is
   * valid only during the call.
   */
  @FunctionalInterface
  public interface Sink {
    void chunk(Digest digest, Codec codec, byte[] encoded, int length, int rawLength)
        throws IOException;
  }

  /** Writes records to a stream, compressing each chunk with one codec. */
  public static final class Writer {
    private final DataOutputStream out;
    private final ChunkCodec codec;
    private final byte[] encoded = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
    private long chunks;
    private long rawBytes;
    private long wireBytes;

    public Writer(OutputStream out, Compression compression) {
      this.out = new DataOutputStream(out);
      this.codec = new ChunkCodec(compression);
    }

    /** Writes chunk {@code d}: {@code len} bytes of {@code b} at {@code off}, compressed here. */
    public void write(Digest d, byte[] b, int off, int len) throws IOException {
      ChunkCodec.Encoded e = codec.encode(b, off, len, encoded, 0);
      writeEncoded(d, e.codec(), encoded, e.length(), len);
    }

    /**
     * Writes chunk {@code d} as a store keeps it: {@code length} bytes of {@code enc} in {@code c},
     * which decode to {@code rawLength} bytes.
     */
    public void writeEncoded(Digest d, Codec c, byte[] enc, int length, int rawLength)
        throws IOException {
      out.write(d.bytes());
      out.writeByte(c.id());
      out.writeInt(rawLength);
      out.writeInt(length);
      out.write(enc, 0, length);
      chunks++;
      rawBytes += rawLength;
      wireBytes += Digest.LENGTH + 9 + length;
    }

    public void flush() throws IOException {
      out.flush();
    }

    /** Chunks written. */
    public long chunks() {
      return chunks;
    }

    /** Their bytes before compression. */
    public long rawBytes() {
      return rawBytes;
    }

    /** Bytes of records written. */
    public long wireBytes() {
      return wireBytes;
    }
  }

  /**
   * Reads records until the stream ends, handing each chunk to {@code sink} once it is verified.
   * {@code wanted} holds the digests asked for with their lengths; {@code where} names the sender
   * in errors. Returns how many chunks arrived.
   */
  public static long read(InputStream raw, Map<Digest, Integer> wanted, String where, Sink sink)
      throws IOException {
    DataInputStream in = new DataInputStream(raw);
    byte[] d = new byte[Digest.LENGTH];
    byte[] encoded = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
    byte[] chunk = new byte[ChunkerParams.MAX_CHUNK];
    MessageDigest sha = Digest.newSha256();
    long count = 0;
    while (true) {
      int first = in.read();
      if (first < 0) {
        return count;
      }
      try {
        d[0] = (byte) first;
        in.readFully(d, 1, Digest.LENGTH - 1);
        Digest digest = Digest.of(d);
        int codec = in.readUnsignedByte();
        int rawLength = in.readInt();
        int length = in.readInt();
        Integer expected = wanted.get(digest);
        if (expected == null) {
          throw new InvalidArgumentException(where + " sent chunk " + digest + ", never asked for");
        }
        if (codec > Codec.ZSTD.id()
            || rawLength != expected
            || length < 0
            || length > encoded.length) {
          throw new InvalidArgumentException(
              where + " sent chunk " + digest + " with a malformed record header");
        }
        in.readFully(encoded, 0, length);
        Codec c = Codec.ofId(codec, where);
        try {
          ChunkCodec.decode(c, encoded, 0, length, chunk, 0, rawLength, "chunk " + digest);
        } catch (CorruptDataException e) {
          throw new CorruptDataException(
              where + " sent chunk " + digest + " whose data does not decode",
              digest.toString(),
              e);
        }
        if (!Digest.sha256(sha, chunk, 0, rawLength).equals(digest)) {
          throw new CorruptDataException(
              where + " sent chunk " + digest + " whose bytes do not match its digest",
              digest.toString());
        }
        sink.chunk(digest, c, encoded, length, rawLength);
        count++;
      } catch (EOFException e) {
        throw new InvalidArgumentException(where + ": the chunk stream is cut short");
      }
    }
  }
}

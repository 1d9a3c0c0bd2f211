package io.strata.store.fleet;

import io.strata.store.error.CorruptDataException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.roaringbitmap.RoaringBitmap;

/**
 * A set of chunk ids with the gc generation it answers, as one object in the bucket: a node's live
 * set ({@code nodes/<node>.live}) or the fleet's condemned set ({@code gc/condemned}).
 *
 * <pre>
 * object := magic(8) u64 generation u64 timeMillis u32 length byte[length] roaringBitmap
 * </pre>
 *
 * @param generation for a live set, the condemned generation the node took in before computing it
 *     (0: none); for a condemned set, its generation
 * @param timeMillis when it was made
 * @param ids the chunk ids
 */
record LiveSet(long generation, long timeMillis, RoaringBitmap ids) {
  static final byte[] LIVE = "STRLIVE1".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CONDEMNED = "STRCOND1".getBytes(StandardCharsets.US_ASCII);

  byte[] encode(byte[] magic) {
    ids.runOptimize();
    ByteArrayOutputStream b = new ByteArrayOutputStream(32 + ids.serializedSizeInBytes());
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.write(magic);
      out.writeLong(generation);
      out.writeLong(timeMillis);
      out.writeInt(ids.serializedSizeInBytes());
      ids.serialize(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static LiveSet decode(byte[] b, byte[] magic, String key) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      byte[] m = new byte[magic.length];
      in.readFully(m);
      if (!Arrays.equals(m, magic)) {
        throw new CorruptDataException(key + " is not a chunk set", key);
      }
      long gen = in.readLong();
      long time = in.readLong();
      int len = in.readInt();
      if (len < 0 || len > b.length) {
        throw new CorruptDataException(key + " is damaged: bad length", key);
      }
      RoaringBitmap ids = new RoaringBitmap();
      ids.deserialize(in);
      return new LiveSet(gen, time, ids);
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptDataException c) {
        throw c;
      }
      throw new CorruptDataException(key + " is damaged: " + e.getMessage(), key, e);
    }
  }
}

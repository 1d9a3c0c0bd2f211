package io.strata.store.fleet;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkAlias;
import io.strata.store.error.CorruptDataException;
import io.strata.store.index.Locations;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The alias map a fleet gc publishes with a generation ({@code gc/aliases/<generation>}): for each
 * chunk stored in more than one pack, every duplicate's location and the canonical one it is to be
 * read at from then on. Kept in the bucket for good: a node that joins later, or whose checkpoint
 * is lost, applies them all again when it starts.
 *
 * <pre>
 * object := "STRALI01" u64 generation u32 count
 *           (u32 chunkId u64 from u64 to byte[32] sha256){count}
 *           u32 crc32c(everything before)
 * </pre>
 *
 * @param generation the gc generation that published it
 * @param aliases its entries
 */
record AliasMap(long generation, List<ChunkAlias> aliases) {
  private static final byte[] MAGIC = "STRALI01".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 8 + 8 + 4;
  private static final int ENTRY_BYTES = 4 + 8 + 8 + Digest.LENGTH;

  byte[] encode() {
    ByteArrayOutputStream b = new ByteArrayOutputStream(HEADER + aliases.size() * ENTRY_BYTES + 4);
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.write(MAGIC);
      out.writeLong(generation);
      out.writeInt(aliases.size());
      for (ChunkAlias a : aliases) {
        out.writeInt(a.chunkId());
        out.writeLong(a.from());
        out.writeLong(a.to());
        out.write(a.digest().bytes());
      }
      out.flush();
      CRC32C crc = new CRC32C();
      crc.update(b.toByteArray());
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** Decodes the object {@code key}; throws naming it if it is damaged. */
  static AliasMap decode(byte[] b, String key) {
    if (b.length < HEADER + 4 || !Arrays.equals(Arrays.copyOf(b, MAGIC.length), MAGIC)) {
      throw damaged(key, "not an alias map");
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length - 4);
    ByteBuffer in = ByteBuffer.wrap(b);
    if ((int) crc.getValue() != in.getInt(b.length - 4)) {
      throw damaged(key, "checksum mismatch");
    }
    in.position(MAGIC.length);
    long generation = in.getLong();
    int count = in.getInt();
    if (count < 0 || (long) count * ENTRY_BYTES != b.length - HEADER - 4) {
      throw damaged(key, "its entry count does not match its length");
    }
    List<ChunkAlias> out = new ArrayList<>(count);
    byte[] digest = new byte[Digest.LENGTH];
    for (int i = 0; i < count; i++) {
      int id = in.getInt();
      long from = in.getLong();
      long to = in.getLong();
      in.get(digest);
      if (id < 0 || !Locations.isStored(from) || !Locations.isStored(to) || from == to) {
        throw damaged(key, "entry " + i + " names no valid pair of locations");
      }
      out.add(new ChunkAlias(id, from, to, Digest.of(digest)));
    }
    return new AliasMap(generation, List.copyOf(out));
  }

  private static CorruptDataException damaged(String key, String why) {
    return new CorruptDataException("alias map " + key + " is damaged: " + why, key);
  }
}

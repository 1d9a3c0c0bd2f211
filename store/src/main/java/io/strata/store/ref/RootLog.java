package io.strata.store.ref;

import io.strata.store.error.CorruptDataException;
import io.strata.store.index.IndexFile;
import io.strata.store.pack.Bytes;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * The durable record of the roots: an append-only log of puts and removes, replayed on open and
 * rewritten (compacted) when it holds much more than the live roots.
 *
 * <pre>
 * file   := "STRROOT1" u32 version u32 crc32c(previous 12 bytes) record*
 * record := u32 bodyLength body u32 crc32c(bodyLength body)
 * body   := u8 op (1 put, 2 remove, 3 update) u16 nameLength name-utf8
 *           [put: u64 logicalSize u32 payloadLength payload u32 bitmapLength roaring-portable]
 *           [update: u64 logicalSize u32 payloadLength payload
 *                    u32 addedLength roaring-portable u32 removedLength roaring-portable]
 * </pre>
 *
 * A record that is cut short or fails its CRC ends the log: it is the torn tail of an append that
 * was never acknowledged, and is truncated away.
 */
public final class RootLog implements Closeable {
  private static final byte[] MAGIC = {'S', 'T', 'R', 'R', 'O', 'O', 'T', '1'};
  private static final int VERSION = 1;
  private static final int HEADER = 16;
  private static final int OP_PUT = 1;
  private static final int OP_REMOVE = 2;
  private static final int OP_UPDATE = 3;
  private static final int MAX_RECORD = 256 << 20;

  private final Path path;
  private FileChannel channel;
  private long size;

  private RootLog(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /** Opens or creates the log at {@code path}, replaying it into {@code roots}. */
  public static RootLog open(Path path, Map<String, Root> roots) throws IOException {
    if (!Files.exists(path)) {
      writeFresh(path, List.of());
    }
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long end = replay(ch, path, roots);
    if (end < ch.size()) {
      ch.truncate(end);
      ch.force(true);
    }
    return new RootLog(path, ch, end);
  }

  /** Appends changes; durable only after {@link #force}. */
  public void append(List<RootChange> changes) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (RootChange c : changes) {
      buf.write(encode(c));
    }
    ByteBuffer bb = ByteBuffer.wrap(buf.toByteArray());
    while (bb.hasRemaining()) {
      size += channel.write(bb, size);
    }
  }

  /** Makes every append durable. */
  public void force() throws IOException {
    channel.force(false);
  }

  /** Bytes in the log. */
  public long size() {
    return size;
  }

  /** Replaces the log by one holding exactly {@code live}, atomically. */
  public void compact(Collection<Root> live) throws IOException {
    List<RootChange> puts = live.stream().map(r -> (RootChange) new RootChange.Put(r)).toList();
    Path tmp = writeFresh(path.resolveSibling(path.getFileName() + ".tmp"), puts);
    channel.close();
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    IndexFile.syncDirectory(path.getParent());
    channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    size = channel.size();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static Path writeFresh(Path p, List<RootChange> changes) throws IOException {
    byte[] header = new byte[HEADER];
    System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
    Bytes.putInt(header, 8, VERSION);
    Bytes.putInt(header, 12, Bytes.crc32c(header, 0, 12));
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(header));
      for (RootChange c : changes) {
        ByteBuffer bb = ByteBuffer.wrap(encode(c));
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
      }
      ch.force(true);
    }
    IndexFile.syncDirectory(p.getParent());
    return p;
  }

  private static byte[] encode(RootChange change) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeInt(0); // length, filled in below
    byte[] name = change.name().getBytes(StandardCharsets.UTF_8);
    if (change instanceof RootChange.Put put) {
      Root r = put.root();
      out.writeByte(OP_PUT);
      out.writeShort(name.length);
      out.write(name);
      out.writeLong(r.logicalSize());
      out.writeInt(r.payload().length);
      out.write(r.payload());
      writeBitmap(out, r.chunks());
    } else if (change instanceof RootChange.Update u) {
      out.writeByte(OP_UPDATE);
      out.writeShort(name.length);
      out.write(name);
      out.writeLong(u.logicalSize());
      out.writeInt(u.payload().length);
      out.write(u.payload());
      writeBitmap(out, u.added());
      writeBitmap(out, u.removed());
    } else {
      out.writeByte(OP_REMOVE);
      out.writeShort(name.length);
      out.write(name);
    }
    out.writeInt(0); // crc, filled in below
    byte[] rec = body.toByteArray();
    Bytes.putInt(rec, 0, rec.length - 8);
    Bytes.putInt(rec, rec.length - 4, Bytes.crc32c(rec, 0, rec.length - 4));
    return rec;
  }

  private static void writeBitmap(DataOutputStream out, RoaringBitmap bitmap) throws IOException {
    RoaringBitmap bm = bitmap.clone();
    bm.runOptimize();
    out.writeInt(bm.serializedSizeInBytes());
    bm.serialize(out);
  }

  private static RoaringBitmap readBitmap(ByteBuffer b) throws IOException {
    int len = b.getInt();
    RoaringBitmap bm = new RoaringBitmap();
    ByteBuffer slice = b.slice();
    slice.limit(len);
    bm.deserialize(slice);
    b.position(b.position() + len);
    return bm;
  }

  private static long replay(FileChannel ch, Path path, Map<String, Root> roots)
      throws IOException {
    String where = "root log " + path.getFileName();
    byte[] header = new byte[HEADER];
    ByteBuffer hb = ByteBuffer.wrap(header);
    while (hb.hasRemaining() && ch.read(hb, hb.position()) > 0) {
      // keep reading
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (header[i] != MAGIC[i]) {
        throw new CorruptDataException(where + ": not a root log", where);
      }
    }
    if (Bytes.getInt(header, 12) != Bytes.crc32c(header, 0, 12)) {
      throw new CorruptDataException(where + ": damaged header", where);
    }
    long pos = HEADER;
    long fileSize = ch.size();
    Map<String, Root> replayed = new LinkedHashMap<>();
    byte[] lenBuf = new byte[4];
    while (pos + 8 <= fileSize) {
      if (!readFully(ch, pos, lenBuf)) {
        break;
      }
      int len = Bytes.getInt(lenBuf, 0);
      if (len < 3 || len > MAX_RECORD || pos + 8 + len > fileSize) {
        break;
      }
      byte[] rec = new byte[len + 8];
      if (!readFully(ch, pos, rec)) {
        break;
      }
      if (Bytes.getInt(rec, len + 4) != Bytes.crc32c(rec, 0, len + 4)) {
        break;
      }
      apply(ByteBuffer.wrap(rec, 4, len), replayed, where);
      pos += len + 8;
    }
    roots.putAll(replayed);
    return pos;
  }

  private static void apply(ByteBuffer b, Map<String, Root> roots, String where)
      throws IOException {
    int op = b.get();
    byte[] name = new byte[b.getShort() & 0xFFFF];
    b.get(name);
    String n = new String(name, StandardCharsets.UTF_8);
    if (op == OP_REMOVE) {
      roots.remove(n);
      return;
    }
    if (op == OP_UPDATE) {
      long logical = b.getLong();
      byte[] payload = new byte[b.getInt()];
      b.get(payload);
      RoaringBitmap added = readBitmap(b);
      RoaringBitmap removed = readBitmap(b);
      roots.put(
          n, new RootChange.Update(n, logical, payload, added, removed).applyTo(roots.get(n)));
      return;
    }
    if (op != OP_PUT) {
      throw new CorruptDataException(where + ": unknown operation " + op + " for root " + n, where);
    }
    long logical = b.getLong();
    byte[] payload = new byte[b.getInt()];
    b.get(payload);
    roots.put(n, new Root(n, logical, payload, readBitmap(b)));
  }

  private static boolean readFully(FileChannel ch, long pos, byte[] dst) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst);
    while (bb.hasRemaining()) {
      if (ch.read(bb, pos + bb.position()) < 0) {
        return false;
      }
    }
    return true;
  }
}

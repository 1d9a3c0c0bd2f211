package io.strata.store.ref;

import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.Bytes;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * The durable record of the roots: an append-only log of puts, updates and removes, replayed on
 * open and rewritten whole (compacted) when it holds much more than the live roots.
 *
 * <p>The log is the store's catalogue: lose a record and GC deletes what it named. So it is kept
 * twice, as ZFS keeps its metadata in ditto blocks: {@value #FILE} and {@value #MIRROR} receive the
 * same bytes at the same offsets and are both forced before a commit returns. On open they are read
 * side by side, record by record; a record damaged, cut off or missing in one copy is taken from
 * the other, and the damaged copy is rewritten. The log ends where neither copy holds an intact
 * record: that is the torn tail of an append that was never acknowledged, and is cut off. If an
 * intact record follows that point in either copy, the gap is damage in both copies, and opening
 * refuses rather than serve a catalogue with holes. So does a log shorter than what the last index
 * checkpoint saw durable ({@link Expected}).
 *
 * <pre>
 * body   := u8 op (1 put, 2 remove, 3 update) u16 nameLength name-utf8
 *           [put: u64 logicalSize u32 payloadLength payload u32 bitmapLength roaring-portable]
 *           [update: u64 logicalSize u32 payloadLength payload
 *                    u32 addedLength roaring-portable u32 removedLength roaring-portable]
 * </pre>
 *
 * (each body framed as {@link RootLogFile} describes).
 */
public final class RootLog implements Closeable {
  private static final System.Logger LOG = System.getLogger(RootLog.class.getName());

  /** The first copy's file name. */
  public static final String FILE = "roots.log";

  /** The second copy's file name. */
  public static final String MIRROR = "roots.log.mirror";

  private static final int OP_PUT = 1;
  private static final int OP_REMOVE = 2;
  private static final int OP_UPDATE = 3;

  /**
   * What the last index checkpoint saw of the log: it was at least this long, durably, in this
   * generation. {@link #NONE} when there is no checkpoint.
   *
   * @param generation the log's generation then
   * @param length its durable length then
   */
  public record Expected(long generation, long length) {
    public static final Expected NONE = new Expected(0, 0);
  }

  private final Path dir;
  private RootLogFile primary;
  private RootLogFile mirror;
  private long generation;
  private long durableLength;
  private final List<String> repairs;
  private final boolean created;
  // Set when a failed append could not be cut off again: nothing more may be appended after it.
  private IOException broken;

  private RootLog(
      Path dir,
      RootLogFile primary,
      RootLogFile mirror,
      long generation,
      List<String> repairs,
      boolean created) {
    this.dir = dir;
    this.primary = primary;
    this.mirror = mirror;
    this.generation = generation;
    this.durableLength = primary.size();
    this.repairs = List.copyOf(repairs);
    this.created = created;
  }

  /**
   * Opens the log in {@code dir}, creating it when neither copy exists, and replays it into {@code
   * roots}. Throws {@link CorruptDataException} naming the file and offset when the catalogue
   * cannot be read whole.
   */
  public static RootLog open(Path dir, Map<String, Root> roots, Expected expected)
      throws IOException {
    Path first = dir.resolve(FILE);
    Path second = dir.resolve(MIRROR);
    if (!Files.exists(first) && !Files.exists(second)) {
      writePair(dir, 1, List.of());
      return new RootLog(
          dir,
          RootLogFile.openAt(first, RootLogFile.HEADER),
          RootLogFile.openAt(second, RootLogFile.HEADER),
          1,
          List.of(),
          true);
    }
    Replay r;
    try (RootLogFile.Reader a = RootLogFile.Reader.open(first);
        RootLogFile.Reader b = RootLogFile.Reader.open(second)) {
      r = Replay.of(a, b);
    }
    if (r.generation < expected.generation()
        || (r.generation == expected.generation() && r.end < expected.length())) {
      throw new CorruptDataException(
          "root log "
              + first
              + ": ends at byte "
              + r.end
              + " of generation "
              + r.generation
              + " in both copies, but the index checkpoint saw "
              + expected.length()
              + " durable bytes of generation "
              + expected.generation()
              + ": acknowledged roots are lost; refusing to open, as GC would delete their data",
          first.toString());
    }
    roots.putAll(r.roots);
    for (String note : r.repairs) {
      LOG.log(System.Logger.Level.WARNING, "{0}", note);
    }
    if (r.needsRewrite()) {
      long gen = r.generation + 1;
      writePair(dir, gen, encodeAll(r.roots.values()));
      return new RootLog(
          dir,
          RootLogFile.openAt(first, Files.size(first)),
          RootLogFile.openAt(second, Files.size(second)),
          gen,
          r.repairs,
          false);
    }
    return new RootLog(
        dir,
        RootLogFile.openAt(first, r.end),
        RootLogFile.openAt(second, r.end),
        r.generation,
        r.repairs,
        false);
  }

  /** Whether either copy of the log exists in {@code dir}. */
  public static boolean exists(Path dir) {
    return Files.exists(dir.resolve(FILE)) || Files.exists(dir.resolve(MIRROR));
  }

  /** Whether this open created the log (neither copy existed). */
  public boolean created() {
    return created;
  }

  /** What opening found damaged and mended, one sentence each (for fsck to report). */
  public List<String> repairs() {
    return repairs;
  }

  /** How many times the log was rewritten whole. */
  public synchronized long generation() {
    return generation;
  }

  /** The length both copies have durably (as of the last {@link #force}). */
  public synchronized long durableLength() {
    return durableLength;
  }

  /**
   * Appends changes to both copies; durable only after {@link #force}. An append that fails (a full
   * disk) is cut back off both copies, so that no partial record sits in front of the next one.
   */
  public synchronized void append(List<RootChange> changes) throws IOException {
    if (broken != null) {
      throw new IOException(
          "root log " + dir.resolve(FILE) + ": an earlier write could not be undone; restart",
          broken);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (RootChange c : changes) {
      buf.write(encode(c));
    }
    byte[] bytes = buf.toByteArray();
    long before = primary.size();
    try {
      primary.append(bytes);
      mirror.append(bytes);
    } catch (IOException | RuntimeException e) {
      try {
        primary.truncate(before);
        mirror.truncate(before);
      } catch (IOException cut) {
        e.addSuppressed(cut);
      }
      throw e;
    }
  }

  /**
   * Makes every append durable in both copies. If either fsync fails, the appends since the last
   * good one are cut off both copies again: the commit that made them fails, so its roots must not
   * surface later (after a restart GC may have removed their chunks meanwhile). If even that fails
   * the log refuses further appends until the store is reopened and replays what is on disk.
   */
  public synchronized void force() throws IOException {
    try {
      primary.force();
      mirror.force();
    } catch (IOException e) {
      try {
        primary.truncate(durableLength);
        mirror.truncate(durableLength);
        primary.force();
        mirror.force();
      } catch (IOException undo) {
        e.addSuppressed(undo);
        broken = e;
      }
      throw e;
    }
    durableLength = primary.size();
  }

  /** Bytes in the log (one copy). */
  public synchronized long size() {
    return primary.size();
  }

  /**
   * Replaces both copies by ones holding exactly {@code live}, each atomically: both are written in
   * full under temporary names before either is renamed, so a crash leaves at least one complete
   * copy of the newer generation or two of the older.
   */
  public synchronized void compact(Collection<Root> live) throws IOException {
    long gen = generation + 1;
    List<byte[]> records = encodeAll(live);
    primary.close();
    mirror.close();
    writePair(dir, gen, records);
    primary = RootLogFile.openAt(dir.resolve(FILE), Files.size(dir.resolve(FILE)));
    mirror = RootLogFile.openAt(dir.resolve(MIRROR), Files.size(dir.resolve(MIRROR)));
    generation = gen;
    durableLength = primary.size();
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      primary.close();
    } finally {
      mirror.close();
    }
  }

  private static List<byte[]> encodeAll(Collection<Root> live) throws IOException {
    List<byte[]> records = new ArrayList<>();
    for (Root r : live) {
      records.add(encode(new RootChange.Put(r)));
    }
    return records;
  }

  private static void writePair(Path dir, long generation, List<byte[]> records)
      throws IOException {
    Path first = dir.resolve(FILE);
    Path second = dir.resolve(MIRROR);
    Path firstTmp = AtomicFiles.temporaryOf(first);
    Path secondTmp = AtomicFiles.temporaryOf(second);
    try {
      RootLogFile.writeFresh(firstTmp, generation, records);
      RootLogFile.writeFresh(secondTmp, generation, records);
      Files.move(
          firstTmp, first, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          secondTmp, second, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(firstTmp);
      Files.deleteIfExists(secondTmp);
    }
    AtomicFiles.syncDirectory(dir);
  }

  /** Reading both copies side by side. */
  private static final class Replay {
    final Map<String, Root> roots = new LinkedHashMap<>();
    final List<String> repairs = new ArrayList<>();
    final java.util.Set<Path> gapsNoted = new java.util.HashSet<>();
    long generation;
    long end;
    // A copy to bring level with the other: an old format, a torn append in one copy, damage.
    boolean rewrite;

    boolean needsRewrite() {
      return rewrite || !repairs.isEmpty();
    }

    static Replay of(RootLogFile.Reader a, RootLogFile.Reader b) throws IOException {
      Replay r = new Replay();
      boolean aOk = a != null && a.header != null;
      boolean bOk = b != null && b.header != null;
      if (aOk && bOk && a.header.equals(b.header)) {
        r.sideBySide(a, b);
      } else {
        r.newestIntact(a, b, aOk, bOk);
      }
      return r;
    }

    private void sideBySide(RootLogFile.Reader a, RootLogFile.Reader b) throws IOException {
      generation = a.header.generation();
      rewrite = a.header.version() < RootLogFile.VERSION;
      long pos = a.header.length();
      while (true) {
        byte[] ra = a.record(pos);
        byte[] rb = b.record(pos);
        if (ra == null && rb == null) {
          break;
        }
        byte[] rec = ra != null ? ra : rb;
        if (ra == null) {
          noteGap(a, pos, rec.length);
        } else if (rb == null) {
          noteGap(b, pos, rec.length);
        }
        apply(ByteBuffer.wrap(rec, 4, rec.length - 8), roots, a.path.getFileName().toString());
        pos += rec.length;
      }
      end = pos;
      refuseIfIntactAfter(a, end);
      refuseIfIntactAfter(b, end);
    }

    private void newestIntact(RootLogFile.Reader a, RootLogFile.Reader b, boolean aOk, boolean bOk)
        throws IOException {
      List<RootLogFile.Reader> order = new ArrayList<>();
      if (aOk) {
        order.add(a);
      }
      if (bOk) {
        order.add(b);
      }
      // The newer generation first: a crash between a compaction's two renames leaves it in one.
      order.sort((x, y) -> Long.compare(y.header.generation(), x.header.generation()));
      CorruptDataException last = null;
      for (RootLogFile.Reader only : order) {
        try {
          Map<String, Root> replayed = new LinkedHashMap<>();
          long pos = only.header.length();
          for (byte[] rec = only.record(pos); rec != null; rec = only.record(pos)) {
            apply(ByteBuffer.wrap(rec, 4, rec.length - 8), replayed, only.path.toString());
            pos += rec.length;
          }
          refuseIfIntactAfter(only, pos);
          roots.putAll(replayed);
          generation = only.header.generation();
          end = pos;
          rewrite = true;
          for (RootLogFile.Reader other : new RootLogFile.Reader[] {a, b}) {
            boolean upgrade = other == null && only.header.version() < RootLogFile.VERSION;
            if (other != only && !upgrade) {
              repairs.add(describeOther(other, only));
            }
          }
          return;
        } catch (CorruptDataException e) {
          last = e;
        }
      }
      if (last != null) {
        throw last;
      }
      Path named = a != null ? a.path : b.path;
      throw new CorruptDataException(
          "root log "
              + named
              + ": neither copy has an intact header; refusing to open, as GC would delete what"
              + " the lost roots reference",
          named.toString());
    }

    private static String describeOther(RootLogFile.Reader other, RootLogFile.Reader used) {
      String name = used.path.getFileName().toString();
      if (other == null) {
        return "root log: one copy is missing; rewritten from " + name;
      }
      if (other.header == null) {
        return "root log " + other.path + ": damaged header; rewritten from " + name;
      }
      return "root log "
          + other.path
          + ": generation "
          + other.header.generation()
          + " is older than "
          + name
          + "'s (a compaction cut short); rewritten from it";
    }

    /** One copy lacks the record the other holds at {@code pos}; noted once per copy. */
    private void noteGap(RootLogFile.Reader copy, long pos, int length) {
      rewrite = true;
      if (!gapsNoted.add(copy.path)) {
        return;
      }
      if (copy.fileSize < pos + length) {
        // A crash between the writes to the two copies leaves this too; so does a cut file.
        repairs.add(
            "root log "
                + copy.path
                + ": ends at byte "
                + copy.fileSize
                + ", before the record the other copy holds at offset "
                + pos
                + "; completed from the other copy");
        return;
      }
      repairs.add(
          "root log "
              + copy.path
              + ": the record at offset "
              + pos
              + " is damaged; taken from the other copy, and the copy rewritten");
    }

    private static void refuseIfIntactAfter(RootLogFile.Reader copy, long end) throws IOException {
      long next = copy.nextIntactRecord(end);
      if (next >= 0) {
        throw new CorruptDataException(
            "root log "
                + copy.path
                + ": the record at offset "
                + end
                + " is damaged in both copies while intact records follow at offset "
                + next
                + "; refusing to open, as GC would delete what the lost roots reference",
            copy.path.toString());
      }
    }
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
}

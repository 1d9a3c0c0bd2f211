package io.strata.driver.zfs;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.fs.AccessTimes;
import io.strata.store.fs.DirectoryCounts;
import io.strata.store.fs.FileData;
import io.strata.store.fs.FileLayout;
import io.strata.store.fs.LastChunk;
import io.strata.store.fs.TreeFileSystem;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A regular file as ZFS keeps it: an array of records of one size, the file's block size, fixed
 * when its first record is written (the dataset's {@code recordsize} then). Record {@code n} covers
 * bytes {@code [n*B, (n+1)*B)}; a record is stored whole as one chunk, so a write rewrites every
 * record it touches (read, modify, write) and never stores less than a record. A file smaller than
 * its block size is one record of its own size. A record that is missing is a hole and reads as
 * zeros, and so do the bytes past a record's stored length.
 *
 * <p>Items under the file's DATA keys:
 *
 * <pre>
 * key n (record number) → byte[32] chunkDigest u32 length u64 salt(0: none)
 * key 2^64-1 (dnode)    → u8 version(=1) u32 blockSize
 * </pre>
 *
 * A record's value starts with its chunk's digest, as the store expects of content items when it
 * recounts a tree's chunks; the dnode's value is too short to be taken for one.
 *
 * <p>A record written with {@code dedup=off} is stored with its first 16 bytes XORed with a fresh
 * salt, so it never matches another record's chunk: every such write is a new block, as in ZFS.
 *
 * <p>Reads run on several threads at once and keep nothing here: the records read are kept,
 * unsalted, between reads ({@link LastChunk}). Writes, truncations and replacements run one at a
 * time (under the file system's write lock) and share one record buffer.
 */
final class RecordLayout implements FileLayout {
  /** The dnode item's key: after every record number. */
  static final long DNODE = -1L;

  private static final int VERSION = 1;
  private static final int SALTED = 16;

  private final Supplier<RecordSettings> settings;
  private final LongSupplier salts;
  private final java.util.function.LongConsumer admit;
  private final Supplier<AccessTimes> accessTimes;
  private final Runnable admitMetadata;
  private byte[] buf; // the record being written: changes only

  /**
   * @param settings the dataset's settings, asked at every write (properties may change)
   * @param salts fresh non-zero salts for records written with {@code dedup=off}
   * @param admit called with a record's length before it is stored; throws to refuse it (the
   *     dataset is read-only or over its quota)
   * @param accessTimes the dataset's {@code atime} and {@code relatime}, asked at every read
   * @param admitMetadata called before a change that stores no record; throws to refuse it
   */
  RecordLayout(
      Supplier<RecordSettings> settings,
      LongSupplier salts,
      java.util.function.LongConsumer admit,
      Supplier<AccessTimes> accessTimes,
      Runnable admitMetadata) {
    this.settings = settings;
    this.salts = salts;
    this.admit = admit;
    this.accessTimes = accessTimes;
    this.admitMetadata = admitMetadata;
  }

  @Override
  public void admitMetadataChange() {
    admitMetadata.run();
  }

  @Override
  public AccessTimes accessTimes() {
    return accessTimes.get();
  }

  /** One stored record. */
  private record Record(Digest digest, int length, long salt) {
    byte[] encode() {
      return Encoding.encode(
          (DataOutputStream out) -> {
            out.write(digest.bytes());
            out.writeInt(length);
            out.writeLong(salt);
          });
    }

    static Record decode(byte[] v, long ino, long n) {
      String what = "inode " + ino + " record " + n;
      return Encoding.decode(
          v,
          what,
          (ByteBuffer in) -> {
            byte[] d = new byte[Digest.LENGTH];
            in.get(d);
            return new Record(Digest.of(d), in.getInt(), in.getLong());
          });
    }
  }

  @Override
  public void write(FileData file, long offset, byte[] b, int off, int len) throws IOException {
    RecordSettings now = settings.get();
    int bs = blockSize(file);
    if (bs == 0) {
      bs = now.recordSize();
      file.putItem(DNODE, dnode(bs));
    }
    long end = offset + len;
    for (long n = offset / bs; n * bs < end; n++) {
      long start = n * bs;
      int length = (int) Math.min(bs, file.size() - start);
      long from = Math.max(offset, start);
      long to = Math.min(end, start + length);
      byte[] rec = buffer();
      if (from > start || to < start + length) {
        load(file, n, rec, length);
      }
      System.arraycopy(
          b, off + (int) (from - offset), rec, (int) (from - start), (int) (to - from));
      store(file, n, rec, length, now);
    }
  }

  @Override
  public void read(FileData file, long offset, byte[] dst, int off, int len) throws IOException {
    int bs = blockSize(file);
    if (bs == 0) {
      Arrays.fill(dst, off, off + len, (byte) 0);
      return;
    }
    long end = offset + len;
    for (long pos = offset; pos < end; ) {
      long n = pos / bs;
      int in = (int) (pos - n * bs);
      int count = (int) Math.min(bs - in, end - pos);
      int at = off + (int) (pos - offset);
      Record r = record(file, n);
      int have = r == null ? 0 : Math.max(0, Math.min(count, r.length() - in));
      if (have > 0) {
        try (LastChunk c = content(file, r, n)) {
          System.arraycopy(c.bytes(), in, dst, at, have);
        }
      }
      Arrays.fill(dst, at + have, at + count, (byte) 0);
      pos += count;
    }
  }

  @Override
  public void truncate(FileData file, long newSize) throws IOException {
    int bs = blockSize(file);
    if (bs == 0) {
      return;
    }
    if (newSize == 0) {
      // No records left: like a ZFS file of at most one block, it may take a new block size.
      for (FileData.Item it : file.items(0, DNODE)) {
        file.deleteItem(it.key());
      }
      file.deleteItem(DNODE);
      return;
    }
    long keep = (newSize + bs - 1) / bs;
    for (FileData.Item it : file.items(keep, DNODE)) {
      file.deleteItem(it.key());
    }
    int tail = (int) (newSize % bs);
    long last = newSize / bs;
    Record r = record(file, last);
    if (tail != 0 && r != null && r.length() > tail) {
      byte[] rec = buffer();
      load(file, last, rec, tail);
      store(file, last, rec, tail, settings.get());
    }
  }

  @Override
  public long dataBytes(byte[] value) {
    // a record: digest, u32 length, salt; the dnode item is shorter and holds no content
    return value.length < 36 ? -1 : java.nio.ByteBuffer.wrap(value).getInt(32) & 0xFFFFFFFFL;
  }

  /** The bytes the file's records hold: a missing record is a hole and takes none. */
  @Override
  public long allocatedBytes(FileData file) {
    long bytes = 0;
    for (FileData.Item it : file.scan(0, DNODE)) {
      bytes += dataBytes(it.value());
    }
    return bytes;
  }

  @Override
  public long seekData(FileData file, long offset) {
    int bs = blockSize(file);
    if (bs == 0 || offset >= file.size()) {
      return -1;
    }
    for (FileData.Item it : file.scan(offset / bs, DNODE)) {
      long start = it.key() * bs;
      if (start + dataBytes(it.value()) > offset) {
        return Math.max(start, offset);
      }
    }
    return -1;
  }

  @Override
  public long seekHole(FileData file, long offset) {
    int bs = blockSize(file);
    if (bs == 0) {
      return file.size();
    }
    long at = offset;
    for (FileData.Item it : file.scan(offset / bs, DNODE)) {
      long start = it.key() * bs;
      if (start > at) {
        break; // a missing record
      }
      at = Math.max(at, start + dataBytes(it.value()));
    }
    return Math.min(at, file.size());
  }

  @Override
  public DirectoryCounts directories() {
    return DirectoryCounts.ZFS;
  }

  @Override
  public long replace(FileData file, InputStream in) throws IOException {
    RecordSettings now = settings.get();
    int bs = now.recordSize();
    byte[] rec = buffer();
    long total = 0;
    for (long n = 0; ; n++) {
      int got = in.readNBytes(rec, 0, bs);
      if (got > 0) {
        store(file, n, rec, got, now);
        total += got;
      }
      if (got < bs) {
        break;
      }
    }
    if (total > 0) {
      file.putItem(DNODE, dnode(bs));
    }
    return total;
  }

  /** The file's block size, or 0 if it has none yet (no record was ever written). */
  private static int blockSize(FileData file) {
    byte[] v = file.item(DNODE);
    if (v == null) {
      return 0;
    }
    String what = "inode " + file.ino() + " dnode";
    int bs =
        Encoding.decode(
            v,
            what,
            (ByteBuffer in) -> {
              Encoding.version(in, VERSION, what);
              return in.getInt();
            });
    if (bs < DatasetProperty.MIN_RECORD
        || bs > DatasetProperty.MAX_RECORD
        || Integer.bitCount(bs) != 1) {
      throw new CorruptDataException(what + ": block size " + bs + " is not valid", what);
    }
    return bs;
  }

  private static byte[] dnode(int blockSize) {
    return Encoding.encode(
        (DataOutputStream out) -> {
          out.writeByte(VERSION);
          out.writeInt(blockSize);
        });
  }

  private static Record record(FileData file, long n) {
    byte[] v = file.item(n);
    return v == null ? null : Record.decode(v, file.ino(), n);
  }

  /** Fills {@code rec[0, length)} with record {@code n}'s content, zeros where it has none. */
  private static void load(FileData file, long n, byte[] rec, int length) throws IOException {
    Record r = record(file, n);
    int have = 0;
    if (r != null) {
      have = Math.min(r.length(), length);
      try (LastChunk c = content(file, r, n)) {
        System.arraycopy(c.bytes(), 0, rec, 0, have);
      }
    }
    Arrays.fill(rec, have, length, (byte) 0);
  }

  /** Record {@code r}'s bytes, unsalted, lent until the caller closes them. */
  private static LastChunk content(FileData file, Record r, long n) throws IOException {
    return LastChunk.of(
        r,
        buffer -> {
          int got = file.readChunk(r.digest(), buffer);
          if (got != r.length()) {
            String what = "inode " + file.ino() + " record " + n;
            throw new CorruptDataException(
                what + ": chunk " + r.digest() + " holds " + got + " bytes, not " + r.length(),
                what);
          }
          salt(buffer, got, r.salt());
          return got;
        });
  }

  /** Stores {@code rec[0, length)} as record {@code n}; the buffer's content is then spent. */
  private void store(FileData file, long n, byte[] rec, int length, RecordSettings now)
      throws IOException {
    if (now.compressing() && allZero(rec, length)) {
      file.deleteItem(n); // ZFS with compression on writes no block of zeros: a hole
      return;
    }
    admit.accept(length);
    long salt = now.dedup() ? 0 : salts.getAsLong();
    salt(rec, length, salt);
    Digest d = file.putChunk(rec, 0, length, now.compression());
    file.putItem(n, new Record(d, length, salt).encode());
  }

  private byte[] buffer() {
    if (buf == null) {
      buf = TreeFileSystem.chunkBuffer();
    }
    return buf;
  }

  private static boolean allZero(byte[] b, int length) {
    for (int i = 0; i < length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** XORs the first 16 bytes with {@code salt} and a mix of it: its own inverse. */
  static void salt(byte[] b, int length, long salt) {
    if (salt == 0) {
      return;
    }
    long second = mix(salt);
    for (int i = 0; i < Math.min(SALTED, length); i++) {
      long word = i < 8 ? salt : second;
      b[i] ^= (byte) (word >>> (8 * (i & 7)));
    }
  }

  /** SplitMix64's finalizer: a good spread of any input. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

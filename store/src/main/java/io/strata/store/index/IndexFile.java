package io.strata.store.index;

import io.strata.store.digest.Digest;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.ref.RootLog;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A checkpoint of the chunk index on disk, so that opening a store does not rescan every pack. It
 * records, for each pack, how many of its bytes the checkpoint covers; records beyond that are
 * found by scanning the packs' tails. Lost or damaged, it is rebuilt from the packs.
 *
 * <pre>
 * file    := "STRIDX01" u32 version u32 idLimit u32 entryCount u32 packCount
 *            u64 uniqueBytes u64 compressedBytes u64 rootsGeneration u64 rootsLength
 *            (u32 packId u64 coveredLength){packCount}
 *            (u32 chunkId u64 location byte[32] digest){entryCount}
 *            u32 crc32c(everything before)
 * </pre>
 *
 * The roots fields record how far the root log was durable when the checkpoint was taken: a root
 * log found shorter on open has lost acknowledged roots in both its copies (see {@link
 * io.strata.store.ref.RootLog}). A checkpoint of version 1 lacks them and is rebuilt from the
 * packs. Version 3 has the layout of version 2; a version 2 checkpoint is rebuilt once, as its
 * releases kept the bytes of chunks a failed fsync dropped in its totals (docs/ADVERSARIAL.md, D1)
 * and the rebuild counts them afresh.
 */
public final class IndexFile {
  private static final byte[] MAGIC = {'S', 'T', 'R', 'I', 'D', 'X', '0', '1'};
  private static final int VERSION = 3;

  /** Bytes one chunk takes in the file. */
  public static final int ENTRY_BYTES = 44;

  /**
   * A loaded checkpoint.
   *
   * @param index the chunks it lists
   * @param covered bytes of each pack it accounts for
   * @param uniqueBytes uncompressed bytes of the chunks it lists
   * @param compressedBytes their stored payload bytes
   * @param roots how far the root log was durable when it was taken
   */
  public record Checkpoint(
      ChunkIndex index,
      Map<Integer, Long> covered,
      long uniqueBytes,
      long compressedBytes,
      RootLog.Expected roots) {}

  private IndexFile() {}

  /**
   * Writes a checkpoint of {@code index}, covering {@code covered} bytes of each pack, to {@code
   * path} atomically (a temporary file, fsync, rename, fsync of the directory). The caller must
   * keep appends out while this runs, so that every record within the covered lengths is in the
   * index.
   */
  public static void write(
      Path path,
      ChunkIndex index,
      Map<Integer, Long> covered,
      long uniqueBytes,
      long compressedBytes,
      RootLog.Expected roots)
      throws IOException {
    AtomicFiles.write(
        path,
        fo -> {
          CRC32C crc = new CRC32C();
          DataOutputStream out = new DataOutputStream(new CheckedOutputStream(fo, crc));
          out.write(MAGIC);
          out.writeInt(VERSION);
          out.writeInt(index.limit());
          int[] count = {0};
          index.forEach((id, loc) -> count[0] += Locations.isStored(loc) ? 1 : 0);
          out.writeInt(count[0]);
          out.writeInt(covered.size());
          out.writeLong(uniqueBytes);
          out.writeLong(compressedBytes);
          out.writeLong(roots.generation());
          out.writeLong(roots.length());
          for (Map.Entry<Integer, Long> e : covered.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue());
          }
          byte[] digest = new byte[Digest.LENGTH];
          IOException[] failure = {null};
          index.forEach(
              (id, loc) -> {
                if (!Locations.isStored(loc) || failure[0] != null) {
                  return;
                }
                try {
                  out.writeInt(id);
                  out.writeLong(loc);
                  index.digest(id).copyTo(digest, 0);
                  out.write(digest);
                } catch (IOException e) {
                  failure[0] = e;
                }
              });
          if (failure[0] != null) {
            throw failure[0];
          }
          out.flush();
          new DataOutputStream(fo).writeInt((int) crc.getValue());
        });
  }

  /** Reads the checkpoint at {@code path}; null if it is missing, damaged or of another version. */
  public static Checkpoint read(Path path) throws IOException {
    CRC32C crc = new CRC32C();
    try (InputStream fi = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      DataInputStream in = new DataInputStream(new CheckedInputStream(fi, crc));
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC) || in.readInt() != VERSION) {
        return null;
      }
      int nextId = in.readInt();
      int entries = in.readInt();
      int packs = in.readInt();
      long unique = in.readLong();
      long compressed = in.readLong();
      RootLog.Expected roots = new RootLog.Expected(in.readLong(), in.readLong());
      if (nextId < 0 || entries < 0 || packs < 0 || entries > nextId) {
        return null;
      }
      Map<Integer, Long> covered = new HashMap<>();
      for (int i = 0; i < packs; i++) {
        covered.put(in.readInt(), in.readLong());
      }
      ChunkIndex index = new ChunkIndex(0);
      byte[] digest = new byte[Digest.LENGTH];
      for (int i = 0; i < entries; i++) {
        int id = in.readInt();
        long loc = in.readLong();
        in.readFully(digest);
        if (id < 0 || id >= nextId || !Locations.isStored(loc)) {
          return null;
        }
        index.insert(id, Digest.of(digest), loc);
      }
      int expected = (int) crc.getValue();
      int stored = new DataInputStream(fi).readInt();
      if (stored != expected) {
        return null;
      }
      index.advanceTo(nextId);
      return new Checkpoint(index, covered, unique, compressed, roots);
    } catch (NoSuchFileException e) {
      return null;
    } catch (EOFException e) {
      return null;
    }
  }
}

package io.strata.store.driver;

import io.strata.store.digest.Digest;
import io.strata.store.fs.FileData;
import io.strata.store.fs.FileLayout;
import io.strata.store.fs.TreeFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The plainest driver that can pass the conformance suite: files as 16 KiB blocks, no model of its
 * own. It tests the suite and the shared code (snapshot set, tree file system) without either real
 * driver; it is not shipped.
 */
public final class BlockTestDriver extends SnapshotSetDriver {
  static final int BLOCK = 16 << 10;

  public static final StorageDriverProvider PROVIDER =
      new StorageDriverProvider() {
        @Override
        public String name() {
          return "blocks";
        }

        @Override
        public StorageDriver open(DriverContext context) {
          return new BlockTestDriver(context);
        }
      };

  private final SnapshotSet set;

  BlockTestDriver(DriverContext context) {
    this.set =
        new SnapshotSet(
            context,
            new SnapshotSet.Model() {
              @Override
              public FileLayout layout(Snapshot s) {
                return new Blocks();
              }

              @Override
              public byte[] created(Snapshot proposed, Snapshot parent) {
                return new byte[0];
              }
            });
  }

  /** Files are cut into blocks: a sender of images cuts them so too. */
  @Override
  public io.strata.store.transfer.ContentCut contentCut(
      io.strata.store.chunk.ChunkerParams chunker) {
    return new io.strata.store.transfer.ContentCut.Records(BLOCK);
  }

  /** Block n of a file: item n → (digest, length). */
  public static final class Blocks implements FileLayout {
    @Override
    public void write(FileData f, long offset, byte[] b, int off, int len) throws IOException {
      byte[] block = new byte[BLOCK];
      while (len > 0) {
        long n = offset / BLOCK;
        int within = (int) (offset % BLOCK);
        int take = Math.min(len, BLOCK - within);
        int have = load(f, n, block);
        System.arraycopy(b, off, block, within, take);
        int length = (int) Math.min(BLOCK, f.size() - n * BLOCK);
        store(f, n, block, Math.max(length, Math.max(have, within + take)));
        offset += take;
        off += take;
        len -= take;
      }
    }

    @Override
    public void read(FileData f, long offset, byte[] dst, int off, int len) throws IOException {
      byte[] block = new byte[BLOCK];
      while (len > 0) {
        long n = offset / BLOCK;
        int within = (int) (offset % BLOCK);
        int take = Math.min(len, BLOCK - within);
        java.util.Arrays.fill(block, (byte) 0);
        load(f, n, block);
        System.arraycopy(block, within, dst, off, take);
        offset += take;
        off += take;
        len -= take;
      }
    }

    @Override
    public void truncate(FileData f, long size) throws IOException {
      for (FileData.Item i : f.items((size + BLOCK - 1) / BLOCK, Long.MAX_VALUE)) {
        f.deleteItem(i.key());
      }
      if (size % BLOCK != 0) {
        long n = size / BLOCK;
        byte[] block = new byte[BLOCK];
        if (load(f, n, block) > 0) {
          store(f, n, block, (int) (size % BLOCK));
        }
      }
    }

    @Override
    public long dataBytes(byte[] value) {
      return ByteBuffer.wrap(value).getInt(32);
    }

    @Override
    public io.strata.store.fs.DirectoryCounts directories() {
      return io.strata.store.fs.DirectoryCounts.BTRFS;
    }

    @Override
    public long replace(FileData f, InputStream in) throws IOException {
      byte[] block = new byte[BLOCK];
      long total = 0;
      for (long n = 0; ; n++) {
        int got = in.readNBytes(block, 0, BLOCK);
        if (got <= 0) {
          return total;
        }
        store(f, n, block, got);
        total += got;
      }
    }

    private static int load(FileData f, long n, byte[] block) throws IOException {
      byte[] v = f.item(n);
      if (v == null) {
        return 0;
      }
      byte[] raw = TreeFileSystem.chunkBuffer();
      int len = f.readChunk(Digest.of(v, 0), raw);
      System.arraycopy(raw, 0, block, 0, len);
      return len;
    }

    private static void store(FileData f, long n, byte[] block, int len) throws IOException {
      Digest d = f.putChunk(block, 0, len);
      f.putItem(n, ByteBuffer.allocate(36).put(d.bytes()).putInt(len).array());
    }
  }

  @Override
  protected SnapshotSet set() {
    return set;
  }

  @Override
  public String name() {
    return "blocks";
  }

  @Override
  public List<Map<String, Object>> nativeListing() {
    return set.all().keySet().stream().map(k -> Map.<String, Object>of("key", k)).toList();
  }

  @Override
  public void close() {}
}

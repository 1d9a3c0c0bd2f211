package io.strata.store.faultfs;

import io.strata.store.blob.BlobService;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Compression;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A chunk store on a {@link FaultFileSystem}, opened and reopened through the public API only, as a
 * process would after a restart or a reboot.
 */
public final class FaultStore {
  /**
   * Small chunks, so that objects of a few hundred KiB are many chunks; one worker thread, so that
   * a run's calls come in the same order every time and a call number names the same call.
   */
  public static final ChunkStore.Options OPTIONS =
      new ChunkStore.Options(
          new ChunkerParams(1024, 4096, 16384), Compression.DEFAULT, true, 1, null);

  private final FaultFileSystem fs;
  private final Path dir;
  private ChunkStore store;
  private BlobService blobs;

  /** A store in {@code chunks} under a fresh durable directory of {@code fs}, not yet opened. */
  public FaultStore(FaultFileSystem fs) throws IOException {
    this.fs = fs;
    this.dir = fs.root().resolve("chunks");
  }

  public FaultFileSystem fs() {
    return fs;
  }

  /** The directory given to {@link ChunkStore#open}. */
  public Path dir() {
    return dir;
  }

  /** Opens (or creates) the store; the previous one must be closed or abandoned. */
  public ChunkStore open() throws IOException {
    store = ChunkStore.open(dir, OPTIONS);
    blobs = new BlobService(store);
    return store;
  }

  public ChunkStore store() {
    return store;
  }

  public BlobService blobs() {
    return blobs;
  }

  /** Stores {@code content} as a blob; returns its digest. */
  public Digest put(byte[] content) throws IOException {
    return blobs.put(new ByteArrayInputStream(content)).digest();
  }

  /**
   * Closes the store, or gives up on it when closing fails (the power is off, the disk is broken):
   * its threads are stopped either way. Returns the failure, if any.
   */
  public Throwable closeQuietly() {
    ChunkStore s = store;
    store = null;
    blobs = null;
    if (s == null) {
      return null;
    }
    try {
      s.close();
      return null;
    } catch (IOException | RuntimeException e) {
      return e;
    }
  }

  /**
   * Power loss: gives up on the open store without closing it cleanly, cuts the power and brings
   * the disk back to what was durable. Reopen with {@link #open}.
   */
  public void crash() {
    fs.cutPower();
    closeQuietly();
    fs.crash();
  }
}

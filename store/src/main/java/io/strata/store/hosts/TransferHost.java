package io.strata.store.hosts;

import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.image.ImageStore;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This host's side of every push and pull: its images, its chunks, the directory batches are
 * spooled in, and what sending and receiving share (batches, spooled records, pins).
 */
public final class TransferHost {
  private static final System.Logger LOG = System.getLogger(TransferHost.class.getName());

  /** A batch of chunks crosses as one request; a broken transfer resumes from the last one. */
  static final long BATCH_BYTES = 32L << 20;

  /**
   * A plan of 32 MiB lists about 900,000 chunks (some 55 GB of layers) and decodes to about 100 MB
   * of heap: the most a peer may make us hold, as a plan or as a chunk list.
   */
  public static final int MAX_LIST_BYTES = 32 << 20;

  /** The chunks of a transfer nothing was added to for this long are unpinned. */
  static final Duration IDLE_PIN = Duration.ofDays(1);

  private final ImageStore images;
  private final ChunkStore chunks;
  private final Path tmp;

  /** {@code tmp} holds spooled batches (the data root's {@code tmp}, emptied at open). */
  public TransferHost(ImageStore images, ChunkStore chunks, Path tmp) {
    this.images = images;
    this.chunks = chunks;
    this.tmp = tmp;
  }

  ImageStore images() {
    return images;
  }

  ChunkStore chunks() {
    return chunks;
  }

  /** Unpins the chunks of transfers given up on: those nothing was added to for a day. */
  public void dropIdlePins() throws IOException {
    int n = ChunkIntake.dropIdle(chunks, IDLE_PIN, Clock.systemUTC());
    if (n > 0) {
      LOG.log(System.Logger.Level.INFO, "unpinned {0} transfers idle for a day", n);
    }
  }

  /** A new empty file in {@code tmp} for a batch. */
  Path spoolFile(String prefix) throws IOException {
    io.strata.store.disk.AtomicFiles.createPrivateDirectories(tmp);
    return Files.createTempFile(tmp, prefix, ".records");
  }

  /**
   * The records of {@code batch} of image {@code id}, written to a spool: the image store's lock is
   * held while the chunks are read, not while they cross the network.
   */
  SpooledRecords spoolRecords(String id, ContentCut cut, Map<Digest, Integer> batch)
      throws IOException {
    Path file = spoolFile("send-");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      ChunkRecords.Writer w = new ChunkRecords.Writer(out, chunks.compression());
      images.sendChunks(id, cut, batch, w);
      w.flush();
      return new SpooledRecords(file, new RecordCounts(w.chunks(), w.rawBytes(), w.wireBytes()));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /** The chunks of {@code plan} this store has: all but {@code missing}. */
  static List<Digest> present(TransferPlan plan, Map<Digest, Integer> missing) {
    return plan.chunks().keySet().stream().filter(d -> !missing.containsKey(d)).toList();
  }

  /** The bytes of {@code chunks} before compression. */
  public static long bytes(Map<Digest, Integer> chunks) {
    return chunks.values().stream().mapToLong(Integer::longValue).sum();
  }

  /** {@code chunks} in plan order, cut into batches of at most {@link #BATCH_BYTES}. */
  public static List<Map<Digest, Integer>> batches(Map<Digest, Integer> chunks) {
    List<Map<Digest, Integer>> out = new ArrayList<>();
    Map<Digest, Integer> cur = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<Digest, Integer> e : chunks.entrySet()) {
      if (size + e.getValue() > BATCH_BYTES && !cur.isEmpty()) {
        out.add(cur);
        cur = new LinkedHashMap<>();
        size = 0;
      }
      cur.put(e.getKey(), e.getValue());
      size += e.getValue();
    }
    if (!cur.isEmpty()) {
      out.add(cur);
    }
    return out;
  }
}

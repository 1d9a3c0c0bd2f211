package io.strata.perf.driver;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.percentile;

import io.strata.driver.btrfs.BtrfsDriver;
import io.strata.driver.zfs.DatasetProperties;
import io.strata.perf.report.Machine;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * What small random writes into a large file of a container cost the store. Per driver and round,
 * in a fresh data root: a layer holding one file of random (incompressible) bytes is committed; a
 * container is prepared from it; then block-aligned writes of random bytes land at random offsets
 * of the file, each durable when its call returns, as a container's writes are. Measured: the
 * growth of the pack files (everything written, data and tree nodes, live or not) and the
 * container's exclusive bytes ({@code usage}; for btrfs also the data-only {@code
 * dataExclusiveBytes}, as {@code btrfs filesystem du} counts), after the first write and after all
 * of them, per byte written. Every written block is read back and compared at the end.
 *
 * <p>The reference is overlay2: its first write to a file of the lower layer copies the whole file
 * up, so it stores the file's size for the first write and nothing more for later writes to the
 * same file (measured on this machine: 8,392,704 bytes in the upper directory after a 4 KiB write
 * into an 8 MiB file; /work/shared/PERF.md).
 */
public final class WriteAmplificationRun {
  /** The path of the large file in the layer. */
  static final String FILE = "/big";

  /** zfs's default {@code recordsize}: what one small write stores under the zfs model. */
  private static final String ZFS_DEFAULT_RECORD = "128K";

  /** Tree nodes a write may add on top of its data and still count as storing "one record". */
  private static final int NODE_ALLOWANCE = 64 << 10;

  private static final int FILL_PIECE = 1 << 20;

  /** The zfs pool's name, where a recordsize set is inherited by every dataset. */
  private static final String POOL = "strata";

  private final Settings settings;
  private final PrintStream out;
  private final Samples s = new Samples();
  private boolean readBackOk = true;

  /**
   * How the run is made.
   *
   * @param drivers the drivers to run, in order: {@code btrfs}, {@code zfs}, or {@code zfs@16K} for
   *     zfs with the pool's {@code recordsize} set before the layer is written
   * @param fileSize bytes of the file in the layer
   * @param writes writes into the container's copy
   * @param writeSize bytes of each write, also its alignment
   * @param seed seeds the file's bytes, the offsets and the written bytes
   * @param rounds repetitions, each in a fresh data root; medians are reported
   * @param scratch where the data roots are made (and deleted)
   */
  public record Settings(
      List<String> drivers,
      long fileSize,
      int writes,
      int writeSize,
      long seed,
      int rounds,
      Path scratch) {
    public Settings {
      drivers = List.copyOf(drivers);
      if (writes <= 0 || writeSize <= 0 || rounds <= 0 || fileSize < writeSize) {
        throw new IllegalArgumentException(
            "write amplification run: writes, write size and rounds must be positive and the file"
                + " at least one write long");
      }
    }
  }

  /**
   * One driver's figures, medians over the rounds.
   *
   * @param driver its name
   * @param firstWritePackBytes pack bytes the first write added
   * @param packPerByte pack bytes added per byte written, over all writes
   * @param exclusivePerByte the container's exclusive bytes per byte written, after all writes
   * @param readBackOk whether every written block read back as written, in every round
   */
  public record DriverResult(
      String driver,
      double firstWritePackBytes,
      double packPerByte,
      double exclusivePerByte,
      boolean readBackOk) {}

  /** A run with these settings, printing to {@code out}. */
  public WriteAmplificationRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs every driver and round, prints the table, returns the figures in driver order. */
  public List<DriverResult> run() throws IOException {
    Machine.printHeader(out);
    long written = (long) settings.writes() * settings.writeSize();
    out.printf(
        "%d writes of %d bytes (aligned, random offsets, random bytes) into a %d-byte file of a"
            + " committed layer, from a container; %d rounds%n",
        settings.writes(), settings.writeSize(), settings.fileSize(), settings.rounds());
    for (int round = 1; round <= settings.rounds(); round++) {
      for (String name : settings.drivers()) {
        Machine.printLoad(out, "round " + round + ", " + name);
        try (DriverRoot root = DriverRoot.create(settings.scratch(), driverName(name))) {
          measure(root, name, round);
        }
      }
    }
    Machine.printLoad(out, "at end");
    out.println();
    printTable(written);
    return settings.drivers().stream()
        .map(
            d ->
                new DriverResult(
                    d,
                    s.median(d + ".firstPack"),
                    s.median(d + ".pack") / written,
                    s.median(d + ".excl") / written,
                    readBackOk))
        .toList();
  }

  private void measure(DriverRoot root, String name, int round) throws IOException {
    StorageDriver driver = root.driver();
    String recordsize = recordsize(name);
    if (recordsize != null) {
      if (!(driver instanceof DatasetProperties zfs)) {
        throw new IllegalArgumentException(
            "driver " + name + ": only zfs has a recordsize (" + driver.name() + " does not)");
      }
      zfs.set(POOL, "recordsize", recordsize);
    }
    long fillNanos = fillLayer(driver);
    driver.prepare("ctr", "image", Map.of());
    FileSystemView fs = driver.fs("ctr");
    long pack0 = root.packBytes();
    long excl0 = driver.usage("ctr").exclusiveBytes();
    long data0 = dataExclusive(driver);

    SplittableRandom random = new SplittableRandom(settings.seed() * 31 + round);
    long blocks = settings.fileSize() / settings.writeSize();
    Map<Long, byte[]> blocksWritten = new LinkedHashMap<>();
    long[] latency = new long[settings.writes()];
    for (int i = 0; i < settings.writes(); i++) {
      long offset = random.nextLong(blocks) * settings.writeSize();
      byte[] b = new byte[settings.writeSize()];
      random.nextBytes(b);
      long start = System.nanoTime();
      fs.write(FILE, offset, b, 0, b.length);
      latency[i] = System.nanoTime() - start;
      blocksWritten.put(offset, b);
      if (i == 0) {
        s.add(name + ".firstPack", root.packBytes() - pack0);
        s.add(name + ".firstExcl", driver.usage("ctr").exclusiveBytes() - excl0);
        addData(name + ".firstData", driver, data0);
      }
    }
    s.add(name + ".pack", root.packBytes() - pack0);
    s.add(name + ".excl", driver.usage("ctr").exclusiveBytes() - excl0);
    addData(name + ".data", driver, data0);
    s.add(name + ".p50", percentile(latency, 0.5) / 1e3);
    s.add(name + ".p99", percentile(latency, 0.99) / 1e3);
    s.add(name + ".fill", mbPerSec(settings.fileSize(), fillNanos));
    boolean ok = readsBack(fs, blocksWritten);
    readBackOk &= ok;
    out.printf(
        "round %d, %s: first write +%d pack bytes; all writes +%d pack bytes, exclusive %d;"
            + " read back: %s%n",
        round,
        name,
        (long) s.all(name + ".firstPack").get(round - 1).doubleValue(),
        (long) s.all(name + ".pack").get(round - 1).doubleValue(),
        (long) s.all(name + ".excl").get(round - 1).doubleValue(),
        ok ? "OK" : "FAILED");
  }

  /** The driver's name in a spec such as {@code zfs@16K}. */
  private static String driverName(String spec) {
    int at = spec.indexOf('@');
    return at < 0 ? spec : spec.substring(0, at);
  }

  /** The recordsize in a spec such as {@code zfs@16K}; null when it names none. */
  private static String recordsize(String spec) {
    int at = spec.indexOf('@');
    return at < 0 ? null : spec.substring(at + 1);
  }

  /** Bytes of a recordsize written as zfs writes it ({@code 16K}, {@code 1M}). */
  private static long recordBytes(String recordsize) {
    String r = recordsize.trim().toUpperCase(Locale.ROOT);
    int shift = r.endsWith("K") ? 10 : r.endsWith("M") ? 20 : 0;
    return Long.parseLong(shift == 0 ? r : r.substring(0, r.length() - 1)) << shift;
  }

  /** Commits layer {@code image} holding {@link #FILE}; returns the nanoseconds of the fill. */
  private long fillLayer(StorageDriver driver) throws IOException {
    driver.prepare("image-building", null, Map.of());
    FileSystemView fs = driver.fs("image-building");
    fs.deferSync(true);
    SplittableRandom random = new SplittableRandom(settings.seed());
    byte[] piece = new byte[FILL_PIECE];
    long start = System.nanoTime();
    for (long at = 0; at < settings.fileSize(); at += FILL_PIECE) {
      int n = (int) Math.min(FILL_PIECE, settings.fileSize() - at);
      random.nextBytes(piece);
      fs.write(FILE, at, piece, 0, n);
    }
    fs.deferSync(false);
    long took = System.nanoTime() - start;
    driver.commit("image", "image-building");
    return took;
  }

  /** Records the growth of the data-only exclusive bytes since {@code before}, where counted. */
  private void addData(String key, StorageDriver driver, long before) throws IOException {
    long now = dataExclusive(driver);
    if (now >= 0) {
      s.add(key, now - before);
    }
  }

  /** Data-only exclusive bytes where the driver counts them (btrfs), else -1. */
  private static long dataExclusive(StorageDriver driver) throws IOException {
    return driver instanceof BtrfsDriver b ? b.dataExclusiveBytes("ctr") : -1;
  }

  private static boolean readsBack(FileSystemView fs, Map<Long, byte[]> blocks) throws IOException {
    for (Map.Entry<Long, byte[]> e : blocks.entrySet()) {
      byte[] got = new byte[e.getValue().length];
      int n = fs.read(FILE, e.getKey(), got, 0, got.length);
      if (n != got.length || !Arrays.equals(got, e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private void printTable(long written) {
    List<String> drivers = settings.drivers();
    String[] header = new String[drivers.size() + 2];
    header[0] = "figure";
    header[1] = "overlay2 (reference: copy-up)";
    for (int i = 0; i < drivers.size(); i++) {
      header[i + 2] = drivers.get(i);
    }
    Table t = new Table(header);
    long size = settings.fileSize();
    row(
        t,
        "first write: pack bytes added",
        Long.toString(size),
        d -> s.withSpread(d + ".firstPack", 0));
    row(
        t,
        "first write: exclusive bytes",
        Long.toString(size),
        d -> s.withSpread(d + ".firstExcl", 0));
    row(
        t,
        "first write: data-only exclusive bytes",
        Long.toString(size),
        d -> s.withSpread(d + ".firstData", 0));
    row(
        t,
        "all writes: pack bytes added per byte written",
        fixed((double) size / written, 2),
        d -> fixed(s.median(d + ".pack") / written, 2));
    row(
        t,
        "all writes: exclusive bytes per byte written",
        fixed((double) size / written, 2),
        d -> fixed(s.median(d + ".excl") / written, 2));
    row(
        t,
        "all writes: data-only exclusive per byte written",
        fixed((double) size / written, 2),
        d -> s.all(d + ".data").isEmpty() ? "n/a" : fixed(s.median(d + ".data") / written, 2));
    row(t, "write latency p50, us (durable)", "", d -> s.withSpread(d + ".p50", 0));
    row(t, "write latency p99, us (durable)", "", d -> s.withSpread(d + ".p99", 0));
    row(t, "layer fill, MB/s (deferred sync)", "", d -> s.withSpread(d + ".fill", 0));
    t.print(out);
    for (String d : drivers) {
      boolean btrfs = driverName(d).equals("btrfs");
      String record = recordsize(d) == null ? ZFS_DEFAULT_RECORD : recordsize(d);
      double first = btrfs ? s.median(d + ".firstData") : s.median(d + ".firstPack");
      double bound =
          btrfs ? 2.0 * settings.writeSize() : recordBytes(record) + (double) NODE_ALLOWANCE;
      out.printf(
          "%s: the first %d-byte write stored %s bytes of %s (target: about %s): %s%n",
          d,
          settings.writeSize(),
          fixed(first, 0),
          btrfs ? "data" : "data and tree nodes",
          btrfs ? "the write's size" : "one " + record + " record",
          first <= bound ? "met" : "missed");
    }
    out.printf("every written block read back: %s%n", readBackOk ? "OK" : "FAILED");
  }

  /** Adds a row: the figure's name, overlay2's value, then {@code cell} of each driver. */
  private void row(Table t, String figure, String reference, Function<String, String> cell) {
    List<String> cells = new ArrayList<>();
    cells.add(figure);
    cells.add(reference);
    for (String d : settings.drivers()) {
      cells.add(cell.apply(d));
    }
    t.row(cells.toArray());
  }
}

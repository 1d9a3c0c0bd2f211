package io.strata.perf.driver;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.percentile;

import io.strata.perf.report.Machine;
import io.strata.perf.report.Table;
import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Container create time against the size of the image: for each driver, a committed tree of a few
 * files and one of many, then many {@code prepare} calls of a child of each, interleaved so both
 * meet the same load, every child removed again before the next (so the snapshot set stays the same
 * size). Reports the medians and spread per call; the claim under test is that a snapshot costs the
 * same whatever the tree's size.
 */
public final class SnapshotRun {
  /** Unrecorded prepares of each tree first, so the JIT has compiled the path. */
  private static final int WARM_UP = 20;

  /** Median ratio (large tree over small) still counted as the same within this machine's noise. */
  private static final double SAME_WITHIN_NOISE = 1.5;

  private final Settings settings;
  private final PrintStream out;

  /**
   * How the run is made.
   *
   * @param drivers the drivers to run, in order
   * @param smallFiles files of the small tree
   * @param largeFiles files of the large tree
   * @param repetitions timed prepares of a child of each tree
   * @param scratch where the data roots are made (and deleted)
   */
  public record Settings(
      List<String> drivers, int smallFiles, int largeFiles, int repetitions, Path scratch) {
    public Settings {
      drivers = List.copyOf(drivers);
      if (smallFiles <= 0 || largeFiles <= 0 || repetitions <= 0) {
        throw new IllegalArgumentException(
            "snapshot run: file counts and repetitions must be positive");
      }
    }
  }

  /**
   * One driver's figures.
   *
   * @param driver its name
   * @param smallMicros median prepare time of a child of the small tree
   * @param largeMicros median prepare time of a child of the large tree
   * @param childrenSeeParent whether a child of each tree read the tree's last file back
   */
  public record DriverResult(
      String driver, double smallMicros, double largeMicros, boolean childrenSeeParent) {
    /** Large over small: 1 when a snapshot costs the same whatever the tree's size. */
    public double ratio() {
      return largeMicros / smallMicros;
    }
  }

  /** A run with these settings, printing to {@code out}. */
  public SnapshotRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs every driver, prints the table, returns the figures in driver order. */
  public List<DriverResult> run() throws IOException {
    Machine.printHeader(out);
    out.printf(
        "trees of %d and %d files, %d timed prepares of each, per driver%n",
        settings.smallFiles(), settings.largeFiles(), settings.repetitions());
    Table t =
        new Table(
            "driver",
            "tree",
            "build + commit, s",
            "prepare median, us",
            "p10",
            "p90",
            "remove median, us",
            "large / small (prepare medians)");
    List<DriverResult> results = new ArrayList<>();
    for (String name : settings.drivers()) {
      Machine.printLoad(out, "before " + name);
      try (DriverRoot root = DriverRoot.create(settings.scratch(), name)) {
        results.add(measure(root.driver(), t));
      }
    }
    Machine.printLoad(out, "at end");
    out.println();
    t.print(out);
    for (DriverResult r : results) {
      out.printf(
          "%s: large / small = %s, target (same within noise, <= %s): %s; children see the"
              + " parent's files: %s%n",
          r.driver(),
          fixed(r.ratio(), 2),
          fixed(SAME_WITHIN_NOISE, 1),
          r.ratio() <= SAME_WITHIN_NOISE ? "met" : "missed",
          r.childrenSeeParent() ? "yes" : "NO");
    }
    return results;
  }

  private DriverResult measure(StorageDriver driver, Table t) throws IOException {
    int[] files = {settings.smallFiles(), settings.largeFiles()};
    String[] trees = {"small", "large"};
    long[] buildNanos = new long[2];
    for (int k = 0; k < 2; k++) {
      buildNanos[k] = FileTree.commit(driver, trees[k], files[k]);
    }
    boolean seen = true;
    for (int k = 0; k < 2; k++) {
      seen &= childSees(driver, trees[k], files[k]);
    }
    InterleavedTiming.Times times =
        InterleavedTiming.measure(
            WARM_UP, settings.repetitions(), (k, key) -> prepareAndRemove(driver, trees[k], key));
    long[][] prepare = times.make();
    long[][] remove = times.remove();
    double[] medians = new double[2];
    for (int k = 0; k < 2; k++) {
      medians[k] = percentile(prepare[k], 0.5) / 1e3;
      t.row(
          driver.name(),
          trees[k] + " (" + files[k] + " files)",
          fixed(buildNanos[k] / 1e9, 2),
          fixed(medians[k], 0),
          fixed(percentile(prepare[k], 0.1) / 1e3, 0),
          fixed(percentile(prepare[k], 0.9) / 1e3, 0),
          fixed(percentile(remove[k], 0.5) / 1e3, 0),
          k == 1 ? fixed(medians[1] / medians[0], 2) : "");
    }
    out.printf(
        "%s: prepare, us, first ten of each: small %s; large %s%n",
        driver.name(),
        Arrays.toString(Arrays.stream(prepare[0]).limit(10).map(n -> n / 1000).toArray()),
        Arrays.toString(Arrays.stream(prepare[1]).limit(10).map(n -> n / 1000).toArray()));
    return new DriverResult(driver.name(), medians[0], medians[1], seen);
  }

  /** Prepares a child of {@code tree} and removes it; returns the two calls' nanoseconds. */
  private static long[] prepareAndRemove(StorageDriver driver, String tree, String key)
      throws IOException {
    String child = tree + "-" + key;
    long start = System.nanoTime();
    driver.prepare(child, tree, Map.of());
    long prepared = System.nanoTime();
    driver.remove(child);
    return new long[] {prepared - start, System.nanoTime() - prepared};
  }

  /** Whether a child of {@code tree} reads the tree's last file back as written. */
  private static boolean childSees(StorageDriver driver, String tree, int files)
      throws IOException {
    String child = tree + "-check";
    driver.prepare(child, tree, Map.of());
    try {
      FileSystemView fs = driver.fs(child);
      String p = FileTree.path(files - 1);
      byte[] expected = FileTree.content(p);
      byte[] got = new byte[expected.length + 1];
      int n = fs.read(p, 0, got, 0, got.length);
      return n == expected.length && Arrays.equals(expected, Arrays.copyOf(got, n));
    } finally {
      driver.remove(child);
    }
  }
}

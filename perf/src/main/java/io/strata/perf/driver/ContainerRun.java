package io.strata.perf.driver;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.mb;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.percentile;

import io.strata.perf.ScratchDir;
import io.strata.perf.report.Machine;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.store.container.ContainerStore;
import io.strata.store.container.ContainerView;
import io.strata.store.driver.Change;
import io.strata.store.image.HistoryEntry;
import io.strata.store.image.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Container create and commit as the product does them ({@link ContainerStore} over {@link
 * ImageStore}), against the size of the image and of the change. Per driver, in a fresh data root,
 * two images are imported from plain layer tars ({@link FileTree}: a small and a large tree); then
 * containers of each are created and removed, interleaved, and the create times compared; then, per
 * change size and repetition, a container of each image gets that many 1 MiB files of random bytes
 * (durable as each call returns, as a running container's writes are) and one file deleted, and is
 * diffed and committed to a new image, which is checked and removed with the container. The same
 * change on both images shows whether a commit costs the change or the image; the pack bytes a
 * commit adds show whether it stores the change again (the container's chunks already hold it).
 */
public final class ContainerRun {
  private static final int FILE_BYTES = 1 << 20;

  /** Unrecorded creates of each image first, so the JIT has compiled the path. */
  private static final int WARM_UP = 10;

  /**
   * Median ratio (large image over small) still counted as the same within this machine's noise.
   */
  private static final double SAME_WITHIN_NOISE = 1.5;

  /** The file of both trees every change deletes (a whiteout in the commit's layer). */
  private static final String DELETED = FileTree.path(1);

  private static final String[] IMAGES = {"small", "large"};

  private final Settings settings;
  private final PrintStream out;
  private final Samples s = new Samples();
  private boolean checksPassed = true;

  /**
   * How the run is made.
   *
   * @param drivers the drivers to run, in order
   * @param smallFiles files of the small image (at least 3)
   * @param largeFiles files of the large image
   * @param creates timed creates (and removals) of a container of each image
   * @param changesMib sizes of the change, in MiB (one 1 MiB file each)
   * @param repetitions commits of each size on each image; medians are reported
   * @param seed seeds the written bytes
   * @param scratch where the data roots and image tars are made (and deleted)
   */
  public record Settings(
      List<String> drivers,
      int smallFiles,
      int largeFiles,
      int creates,
      List<Integer> changesMib,
      int repetitions,
      long seed,
      Path scratch) {
    public Settings {
      drivers = List.copyOf(drivers);
      changesMib = List.copyOf(changesMib);
      if (smallFiles < 3
          || largeFiles < smallFiles
          || creates <= 0
          || repetitions <= 0
          || changesMib.isEmpty()
          || changesMib.stream().anyMatch(m -> m <= 0)) {
        throw new IllegalArgumentException(
            "container run: the small image needs at least 3 files and the large at least as many;"
                + " creates, repetitions and each change in MiB must be positive");
      }
    }
  }

  /**
   * A run with these settings, printing to {@code out}.
   *
   * @param settings how the run is made
   * @param out where the tables go
   */
  public ContainerRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /**
   * Runs every driver and prints the tables; returns whether every check passed (containers read
   * their image's files, diffs name exactly the change, committed images hold it).
   */
  public boolean run() throws IOException {
    Machine.printHeader(out);
    out.printf(
        "images of %d and %d files; %d timed creates of each; changes of %s MiB as 1 MiB files of"
            + " random bytes plus one deletion, %d repetitions on each image%n",
        settings.smallFiles(),
        settings.largeFiles(),
        settings.creates(),
        settings.changesMib(),
        settings.repetitions());
    Table creates =
        new Table(
            "driver",
            "image",
            "import, s",
            "create median, ms",
            "p10",
            "p90",
            "rm median, ms",
            "large / small (create medians)");
    Table commits =
        new Table(
            "driver",
            "image",
            "change",
            "write, MB/s",
            "diff, ms",
            "commit, ms",
            "commit, ms per MiB",
            "layer tar, MB",
            "pack bytes added by commit / change",
            "commit large / small");
    for (String name : settings.drivers()) {
      Machine.printLoad(out, "before " + name);
      try (DriverRoot root = DriverRoot.create(settings.scratch(), name);
          ScratchDir tars = ScratchDir.create(settings.scratch(), "strata-image-tars-")) {
        Driver d = new Driver(name, root);
        d.importImages(tars.path());
        d.measureCreates(creates);
        Machine.printLoad(out, name + " creates done");
        d.measureCommits(commits);
      }
    }
    Machine.printLoad(out, "at end");
    out.println();
    creates.print(out);
    out.println();
    commits.print(out);
    out.printf("every check passed: %s%n", checksPassed ? "yes" : "NO");
    return checksPassed;
  }

  private void fail(String what) {
    checksPassed = false;
    out.println("CHECK FAILED: " + what);
  }

  /** One driver's data root: its images, containers and figures. */
  private final class Driver {
    private final String name;
    private final DriverRoot root;
    private final ImageStore images;
    private final ContainerStore containers;
    private final int[] files = {settings.smallFiles(), settings.largeFiles()};
    private final double[] importSeconds = new double[2];

    Driver(String name, DriverRoot root) throws IOException {
      this.name = name;
      this.root = root;
      this.images = ImageStore.open(root.engine());
      this.containers = ContainerStore.open(root.engine(), images, List.of());
    }

    void importImages(Path tarDir) throws IOException {
      for (int k = 0; k < 2; k++) {
        Path tar = tarDir.resolve(IMAGES[k] + ".tar");
        FileTree.tar(tar, files[k]);
        long start = System.nanoTime();
        images.importPath(tar.toString(), IMAGES[k] + ":1");
        importSeconds[k] = (System.nanoTime() - start) / 1e9;
        out.printf(
            "%s: %s image of %d files imported in %s s%n",
            name, IMAGES[k], files[k], fixed(importSeconds[k], 2));
      }
    }

    void measureCreates(Table t) throws IOException {
      for (int k = 0; k < 2; k++) {
        checkReadsItsImage(k);
      }
      InterleavedTiming.Times times =
          InterleavedTiming.measure(WARM_UP, settings.creates(), this::createAndRemove);
      long[][] create = times.make();
      long[][] remove = times.remove();
      double[] medians = new double[2];
      for (int k = 0; k < 2; k++) {
        medians[k] = percentile(create[k], 0.5) / 1e6;
        t.row(
            name,
            IMAGES[k] + " (" + files[k] + " files)",
            fixed(importSeconds[k], 2),
            fixed(medians[k], 2),
            fixed(percentile(create[k], 0.1) / 1e6, 2),
            fixed(percentile(create[k], 0.9) / 1e6, 2),
            fixed(percentile(remove[k], 0.5) / 1e6, 2),
            k == 1 ? fixed(medians[1] / medians[0], 2) : "");
      }
      out.printf(
          "%s: create, large / small = %s, target (same within noise, <= %s): %s%n",
          name,
          fixed(medians[1] / medians[0], 2),
          fixed(SAME_WITHIN_NOISE, 1),
          medians[1] / medians[0] <= SAME_WITHIN_NOISE ? "met" : "missed");
    }

    /** Creates a container of image {@code k} and removes it; returns the two calls' nanos. */
    private long[] createAndRemove(int k, String suffix) throws IOException {
      String c = IMAGES[k] + "-" + suffix;
      long start = System.nanoTime();
      containers.create(IMAGES[k] + ":1", c, List.of());
      long created = System.nanoTime();
      containers.remove(c, false);
      return new long[] {created - start, System.nanoTime() - created};
    }

    private void checkReadsItsImage(int k) throws IOException {
      String c = IMAGES[k] + "-check";
      containers.create(IMAGES[k] + ":1", c, List.of());
      String last = FileTree.path(files[k] - 1);
      if (!Arrays.equals(read(containers.view(c), last), FileTree.content(last))) {
        fail(name + ": a container of the " + IMAGES[k] + " image misread " + last);
      }
      containers.remove(c, false);
    }

    void measureCommits(Table t) throws IOException {
      int first = settings.changesMib().get(0);
      for (int k = 0; k < 2; k++) {
        change(k, first, -1, new Samples()); // unrecorded: the JIT compiles the path
      }
      for (int mib : settings.changesMib()) {
        for (int rep = 0; rep < settings.repetitions(); rep++) {
          for (int j = 0; j < 2; j++) {
            change((rep + j) % 2, mib, rep, s);
          }
        }
        for (int k = 0; k < 2; k++) {
          String key = key(k, mib);
          t.row(
              name,
              IMAGES[k] + " (" + files[k] + " files)",
              mib + " MiB",
              s.withSpread(key + ".write", 0),
              s.withSpread(key + ".diff", 1),
              s.withSpread(key + ".commit", 1),
              fixed(s.median(key + ".commit") / mib, 2),
              mb(s.median(key + ".layer")),
              fixed(s.median(key + ".pack") / ((double) mib * FILE_BYTES), 3),
              k == 1
                  ? fixed(s.median(key + ".commit") / s.median(key(0, mib) + ".commit"), 2)
                  : "");
        }
      }
    }

    private String key(int k, int mib) {
      return name + "." + IMAGES[k] + "." + mib;
    }

    /**
     * One repetition on image {@code k}: create, write {@code mib} files and delete one, diff,
     * commit, check, remove container and image; the figures go to {@code into}.
     */
    private void change(int k, int mib, int rep, Samples into) throws IOException {
      String c = IMAGES[k] + "-" + mib + "-" + (rep < 0 ? "warm" : rep);
      containers.create(IMAGES[k] + ":1", c, List.of());
      ContainerView v = containers.view(c);
      SplittableRandom random =
          new SplittableRandom(settings.seed() ^ (mib * 7919L + rep * 104_729L + k));
      byte[] content = new byte[FILE_BYTES];
      byte[] firstFile = null;
      long t0 = System.nanoTime();
      for (int j = 0; j < mib; j++) {
        random.nextBytes(content);
        v.writeFile(added(j), new ByteArrayInputStream(content), 0644, 0, 0, 0);
        if (j == 0) {
          firstFile = content.clone();
        }
      }
      v.remove(DELETED, false);
      long t1 = System.nanoTime();
      List<Change> diff = containers.diff(c);
      long pack = root.packBytes();
      long t2 = System.nanoTime();
      String image = containers.commit(c, "committed:" + c);
      long t3 = System.nanoTime();
      into.add(key(k, mib) + ".pack", root.packBytes() - pack);
      checkDiff(diff, mib);
      List<HistoryEntry> history = images.history(image);
      if (history.size() != images.history(IMAGES[k] + ":1").size() + 1) {
        fail(name + ": the commit of " + c + " did not add exactly one layer");
      }
      if (rep == 0 && mib == settings.changesMib().get(0)) {
        checkCommitted(image, c, firstFile);
      }
      containers.remove(c, false);
      images.remove(image, containers::usesImage);
      String key = key(k, mib);
      into.add(key + ".write", mbPerSec((long) mib * FILE_BYTES, t1 - t0));
      into.add(key + ".diff", (t2 - t1) / 1e6);
      into.add(key + ".commit", (t3 - t2) / 1e6);
      into.add(key + ".layer", history.get(0).size());
    }

    /** The diff must name every added file and the deletion, and nothing else but {@code /d0}. */
    private void checkDiff(List<Change> diff, int mib) {
      Set<Change> expected = new HashSet<>();
      for (int j = 0; j < mib; j++) {
        expected.add(new Change('A', added(j)));
      }
      expected.add(new Change('D', DELETED));
      Set<Change> named = new HashSet<>(diff);
      named.remove(new Change('C', "/d0"));
      if (!named.equals(expected)) {
        fail(name + ": the diff of a " + mib + " MiB change named " + diff.size() + " paths");
      }
    }

    /** A container of the committed image sees the written file and not the deleted one. */
    private void checkCommitted(String image, String c, byte[] firstFile) throws IOException {
      String check = c + "-of-commit";
      containers.create(image, check, List.of());
      ContainerView v = containers.view(check);
      if (!Arrays.equals(read(v, added(0)), firstFile) || v.exists(DELETED)) {
        fail(name + ": a container of the image committed from " + c + " misses the change");
      }
      containers.remove(check, false);
    }
  }

  /** The path of the {@code j}th file a change adds, in a directory both trees have. */
  private static String added(int j) {
    return "/d0/new-" + j;
  }

  private static byte[] read(ContainerView v, String path) throws IOException {
    try (InputStream in = v.open(path)) {
      return in.readAllBytes();
    }
  }
}

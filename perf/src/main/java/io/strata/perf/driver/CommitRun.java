package io.strata.perf.driver;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.mbPerSec;

import io.strata.perf.report.Machine;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.store.driver.Change;
import io.strata.store.driver.StorageDriver;
import io.strata.store.fs.FileSystemView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Container create and commit against the size of the change. Per driver, in a fresh data root, a
 * layer of many small files is committed; then, for each change size and repetition, a container is
 * prepared from it (create), that many MiB are written into it as 1 MiB files of random bytes that
 * replace files spread over the tree, and it is committed as a new layer, whose diff against the
 * image is then taken and checked. Two modes: writes held until the commit (deferred sync, as a
 * layer build or import does; the commit then makes them durable) and writes durable as each call
 * returns (a running container; the commit then only seals). The layer is removed after each
 * repetition, so every repetition starts from the same store.
 */
public final class CommitRun {
  private static final int FILE_BYTES = 1 << 20;

  private final Settings settings;
  private final PrintStream out;
  private final Samples s = new Samples();
  private boolean diffsAgree = true;

  /**
   * How the run is made.
   *
   * @param drivers the drivers to run, in order
   * @param files files of the image layer
   * @param changesMib sizes of the change, in MiB (one 1 MiB file each)
   * @param repetitions repetitions of each size and mode; medians are reported
   * @param seed seeds the written bytes
   * @param scratch where the data roots are made (and deleted)
   */
  public record Settings(
      List<String> drivers,
      int files,
      List<Integer> changesMib,
      int repetitions,
      long seed,
      Path scratch) {
    public Settings {
      drivers = List.copyOf(drivers);
      changesMib = List.copyOf(changesMib);
      if (repetitions <= 0 || changesMib.stream().anyMatch(m -> m <= 0 || m > files)) {
        throw new IllegalArgumentException(
            "commit run: repetitions must be positive and each change from 1 MiB to the tree's file"
                + " count in MiB (one 1 MiB file replaces one file of the tree)");
      }
    }
  }

  /**
   * A run with these settings, printing to {@code out}.
   *
   * @param settings how the run is made
   * @param out where the tables go
   */
  public CommitRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /**
   * Runs every driver, prints the table, and returns whether every diff named exactly the files
   * changed (and, on drivers that list them, their directories).
   */
  public boolean run() throws IOException {
    Machine.printHeader(out);
    out.printf(
        "image of %d files; changes of %s MiB as 1 MiB files of random bytes; %d repetitions%n",
        settings.files(), settings.changesMib(), settings.repetitions());
    Table t =
        new Table(
            "driver",
            "change",
            "writes",
            "create (prepare), ms",
            "write, MB/s",
            "commit, ms",
            "commit, ms per MiB",
            "diff, ms");
    for (String name : settings.drivers()) {
      Machine.printLoad(out, "before " + name);
      try (DriverRoot root = DriverRoot.create(settings.scratch(), name)) {
        StorageDriver driver = root.driver();
        long build = FileTree.commit(driver, "image", settings.files());
        out.printf(
            "%s: image of %d files built and committed in %s s%n",
            name, settings.files(), fixed(build / 1e9, 2));
        // One unrecorded change in each mode first, so the JIT has compiled the path.
        for (boolean deferred : new boolean[] {true, false}) {
          change(driver, settings.changesMib().get(0), deferred, -1, new Samples());
        }
        for (boolean deferred : new boolean[] {true, false}) {
          for (int mib : settings.changesMib()) {
            for (int rep = 0; rep < settings.repetitions(); rep++) {
              change(driver, mib, deferred, rep, s);
            }
            String k = key(name, mib, deferred);
            t.row(
                name,
                mib + " MiB",
                deferred ? "deferred to commit" : "durable each",
                s.withSpread(k + ".prepare", 2),
                s.withSpread(k + ".write", 0),
                s.withSpread(k + ".commit", 1),
                fixed(s.median(k + ".commit") / mib, 2),
                s.withSpread(k + ".diff", 1));
          }
        }
      }
    }
    Machine.printLoad(out, "at end");
    out.println();
    t.print(out);
    out.printf("every diff named exactly the files changed: %s%n", diffsAgree ? "yes" : "NO");
    for (String name : settings.drivers()) {
      int mib = settings.changesMib().get(0);
      out.printf(
          "%s: the diff of a %d-file change also named %s of their directories%n",
          name, mib, fixed(s.median(key(name, mib, true) + ".dirs"), 0));
    }
    return diffsAgree;
  }

  /**
   * Checks that {@code changes} names every written file as changed and nothing else but their
   * directories ({@code docker diff} lists those too on some drivers); returns how many directories
   * it named.
   */
  private int checkDiff(List<Change> changes, Set<String> files, Set<String> dirs) {
    Set<String> named = new HashSet<>();
    int dirsNamed = 0;
    for (Change c : changes) {
      named.add(c.path());
      if (dirs.contains(c.path())) {
        dirsNamed++;
      } else if (c.kind() != 'C' || !files.contains(c.path())) {
        diffsAgree = false;
        out.printf("diff named %s, which was not changed%n", c);
      }
    }
    if (!named.containsAll(files)) {
      diffsAgree = false;
      out.printf(
          "diff named %d of the %d files changed%n", changes.size() - dirsNamed, files.size());
    }
    return dirsNamed;
  }

  private static String key(String driver, int mib, boolean deferred) {
    return driver + "." + mib + (deferred ? ".deferred" : ".durable");
  }

  /**
   * One repetition: create, write {@code mib} files, commit, diff, remove; the times go to {@code
   * into}.
   */
  private void change(StorageDriver driver, int mib, boolean deferred, int rep, Samples into)
      throws IOException {
    String k = key(driver.name(), mib, deferred);
    String ctr = "ctr-" + mib + "-" + deferred + "-" + rep;
    String layer = "layer-" + mib + "-" + deferred + "-" + rep;
    long t0 = System.nanoTime();
    driver.prepare(ctr, "image", Map.of());
    long t1 = System.nanoTime();
    FileSystemView fs = driver.fs(ctr);
    fs.deferSync(deferred);
    SplittableRandom random =
        new SplittableRandom(settings.seed() ^ (mib * 7919L + rep * 104_729L + (deferred ? 1 : 0)));
    byte[] content = new byte[FILE_BYTES];
    Set<String> files = new HashSet<>();
    Set<String> dirs = new HashSet<>();
    long t2 = System.nanoTime();
    for (int j = 0; j < mib; j++) {
      random.nextBytes(content);
      // 997 is prime and does not divide the file count: distinct files spread over the tree.
      String p = FileTree.path((int) ((j * 997L) % settings.files()));
      fs.writeFile(p, new ByteArrayInputStream(content), 0644, 0, 0, 0);
      files.add(p);
      dirs.add(p.substring(0, p.lastIndexOf('/')));
    }
    long t3 = System.nanoTime();
    driver.commit(layer, ctr);
    long t4 = System.nanoTime();
    List<Change> changes = driver.diff(layer, "image");
    long t5 = System.nanoTime();
    driver.remove(layer);
    into.add(k + ".dirs", checkDiff(changes, files, dirs));
    into.add(k + ".prepare", (t1 - t0) / 1e6);
    into.add(k + ".write", mbPerSec((long) mib * FILE_BYTES, t3 - t2));
    into.add(k + ".commit", (t4 - t3) / 1e6);
    into.add(k + ".diff", (t5 - t4) / 1e6);
  }
}

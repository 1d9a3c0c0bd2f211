package io.strata.perf;

import io.strata.perf.driver.ContainerRun;
import io.strata.perf.driver.SnapshotRun;
import io.strata.perf.driver.WriteAmplificationRun;
import io.strata.perf.image.ImageRun;
import io.strata.perf.image.ImportSource;
import io.strata.perf.ingest.DataSet;
import io.strata.perf.ingest.IngestRun;
import io.strata.perf.memory.BigPutRun;
import io.strata.perf.micro.MicroRun;
import io.strata.perf.report.Machine;
import io.strata.perf.server.ClientLoadRun;
import io.strata.perf.server.HostsRun;
import io.strata.perf.server.RestartRun;
import io.strata.perf.server.TransferRun;
import io.strata.store.compress.Compression;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar strata-perf.jar
 * micro|ingest|images|bigput|loopback|clients|snapshots|cow|containers}: the benchmarks and runs
 * behind docs/PERF.md. Each prints Markdown tables to standard output.
 */
@Command(
    name = "strata-perf",
    mixinStandardHelpOptions = true,
    subcommands = {
      PerfMain.Micro.class,
      PerfMain.Ingest.class,
      PerfMain.Images.class,
      PerfMain.BigPut.class,
      PerfMain.Loopback.class,
      PerfMain.Hosts.class,
      PerfMain.Restart.class,
      PerfMain.Clients.class,
      PerfMain.Snapshots.class,
      PerfMain.Cow.class,
      PerfMain.Containers.class,
      PerfMain.Report.class
    },
    description = "Strata benchmarks and end-to-end performance runs.")
public final class PerfMain {
  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

  /**
   * Held so the setting sticks: the store logs its lifecycle at INFO (such as building the index of
   * every fresh store), which would only break up the tables.
   */
  private static final java.util.logging.Logger STORE_LOG =
      java.util.logging.Logger.getLogger("io.strata");

  private PerfMain() {}

  /** Runs a subcommand and exits with its status. */
  public static void main(String[] args) {
    STORE_LOG.setLevel(java.util.logging.Level.WARNING);
    System.exit(new CommandLine(new PerfMain()).execute(args));
  }

  /** The JMH micro-benchmarks. */
  @Command(name = "micro", description = "Run the JMH benchmarks and report MB/s.")
  static final class Micro implements Callable<Integer> {
    @Parameters(arity = "0..1", description = "Regex over benchmark names (default: all).")
    String include = "io\\.strata\\.perf\\..*";

    @Option(names = "--iterations", description = "Measured iterations (default ${DEFAULT-VALUE}).")
    int iterations = 5;

    @Option(names = "--seconds", description = "Seconds per iteration (default ${DEFAULT-VALUE}).")
    int seconds = 1;

    @Override
    public Integer call() throws Exception {
      Machine.printHeader(System.out);
      new MicroRun(include, iterations, seconds).run(System.out);
      return 0;
    }
  }

  /** The end-to-end ingest report. */
  @Command(
      name = "ingest",
      description = "Ingest directory trees into fresh stores; compare with the bound and restic.")
  static final class Ingest implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Scratch scratch;

    @Parameters(arity = "1..*", paramLabel = "[NAME=]DIR", description = "Data sets, in order.")
    List<String> dataSets = new ArrayList<>();

    @Option(names = "--writers", description = "Files in flight at once (default: 2 per core).")
    int writers = 2 * Runtime.getRuntime().availableProcessors();

    @Option(names = "--commit-every", description = "Files per commit (default ${DEFAULT-VALUE}).")
    int commitEvery = 256;

    @Option(names = "--compression", description = "Store codec (default ${DEFAULT-VALUE}).")
    String compression = "zstd:3";

    @Option(names = "--no-restic", description = "Do not run restic alongside.")
    boolean noRestic;

    @Override
    public Integer call() throws Exception {
      List<DataSet> sets = new ArrayList<>();
      for (String spec : dataSets) {
        sets.add(DataSet.parse(spec));
      }
      IngestRun.Settings settings =
          new IngestRun.Settings(
              rounds.count,
              writers,
              commitEvery,
              Compression.parse(compression),
              scratch.dir,
              !noRestic);
      new IngestRun(sets, settings, System.out).run();
      return 0;
    }
  }

  /** Trees packed as OCI images and imported in order through the image store. */
  @Command(
      name = "images",
      description =
          "Pack trees as one-layer OCI images with umoci, import them in order into a fresh data"
              + " root; compare with restic and borg on the same trees.")
  static final class Images implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Scratch scratch;

    @Parameters(arity = "1..*", paramLabel = "[NAME=]DIR", description = "Trees, in order.")
    List<String> trees = new ArrayList<>();

    @Option(
        names = "--cache",
        paramLabel = "DIR",
        description =
            "Where the OCI layouts are kept (default: oci-layouts beside the first tree).")
    Path cache;

    @Option(
        names = "--sources",
        split = ",",
        description = "What the store imports: layout, directory (default: both).")
    List<String> sources = List.of("layout", "directory");

    @Option(
        names = "--peers",
        split = ",",
        description = "Peers run alongside: restic, borg or none (default: restic,borg).")
    List<String> peers = List.of("restic", "borg");

    @Option(names = "--borg-compression", description = "borg's (default ${DEFAULT-VALUE}).")
    String borgCompression = "zstd,3";

    @Option(names = "--compression", description = "Store codec (default ${DEFAULT-VALUE}).")
    String compression = "zstd:3";

    @Override
    public Integer call() throws Exception {
      List<DataSet> sets = new ArrayList<>();
      for (String spec : trees) {
        sets.add(DataSet.parse(spec));
      }
      Path layouts = cache != null ? cache : sets.get(0).root().resolveSibling("oci-layouts");
      ImageRun.Settings settings =
          new ImageRun.Settings(
              rounds.count,
              Compression.parse(compression),
              sources.stream().map(ImportSource::parse).toList(),
              scratch.dir,
              layouts,
              peers.equals(List.of("none")) ? List.of() : peers,
              borgCompression);
      new ImageRun(sets, settings, System.out).run();
      return 0;
    }
  }

  /** The bounded-memory run. */
  @Command(
      name = "bigput",
      description = "Put one large generated blob, read it back, compare SHA-256s (use -Xmx256m).")
  static final class BigPut implements Callable<Integer> {
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(names = "--size", description = "Bytes, with k/m/g suffix (default ${DEFAULT-VALUE}).")
    String size = "4g";

    @Override
    public Integer call() throws Exception {
      return new BigPutRun(parseSize(size), seed.value, scratch.dir).run(System.out) ? 0 : 1;
    }
  }

  /** One large put and get over loopback against the embedded store. */
  @Command(
      name = "loopback",
      description = "Put and get one generated object through stratad on loopback and embedded.")
  static final class Loopback implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(names = "--size", description = "Bytes, with k/m/g suffix (default ${DEFAULT-VALUE}).")
    String size = "1g";

    @Override
    public Integer call() throws Exception {
      TransferRun.Settings s =
          new TransferRun.Settings(parseSize(size), seed.value, rounds.count, scratch.dir);
      return new TransferRun(s, System.out).run().digestsAgree() ? 0 : 1;
    }
  }

  /** Multi-host layer sharing: bytes on the wire for a layer with edited files. */
  @Command(
      name = "hosts",
      description =
          "Push an image of one layer (the trees given) from one stratad to another, edit files,"
              + " push the new version: bytes on the wire against the layer's size.")
  static final class Hosts implements Callable<Integer> {
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(names = "--edits", description = "Files to edit (default ${DEFAULT-VALUE}).")
    int edits = 20;

    @Parameters(arity = "1..*", description = "Directories that together make the layer.")
    List<Path> trees;

    @Override
    public Integer call() throws Exception {
      HostsRun.Settings s = new HostsRun.Settings(trees, edits, seed.value, scratch.dir);
      return new HostsRun(s, System.out).run() ? 0 : 1;
    }
  }

  /** How long bin/stratad takes to start on a data root of many chunks. */
  @Command(
      name = "restart",
      description =
          "Time bin/stratad from start to its ready line on a data root of many chunks, after a"
              + " clean stop and after SIGKILL.")
  static final class Restart implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Scratch scratch;

    @Option(names = "--chunks", description = "Chunks in the data root (default ${DEFAULT-VALUE}).")
    int chunks = 1_000_000;

    @Option(
        names = "--tail-mb",
        description = "MB put through the server before each SIGKILL (default ${DEFAULT-VALUE}).")
    int tailMb = 256;

    @Option(names = "--stratad", description = "The server launcher (default ${DEFAULT-VALUE}).")
    Path stratad = Path.of("bin/stratad");

    @Override
    public Integer call() throws Exception {
      Machine.printHeader(System.out);
      new RestartRun(
              new RestartRun.Settings(
                  chunks, rounds.count, stratad.toAbsolutePath(), scratch.dir, (long) tailMb << 20),
              System.out)
          .run();
      return 0;
    }
  }

  /** Many clients putting small overlapping objects into one stratad. */
  @Command(
      name = "clients",
      description = "Concurrent clients put small objects from a shared pool into stratad.")
  static final class Clients implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(names = "--clients", description = "Connections (default ${DEFAULT-VALUE}).")
    int clients = 16;

    @Option(names = "--puts", description = "Puts per client (default ${DEFAULT-VALUE}).")
    int puts = 1000;

    @Option(names = "--object-size", description = "Bytes per object (default ${DEFAULT-VALUE}).")
    int objectSize = 4096;

    @Option(names = "--pool", description = "Distinct objects (default ${DEFAULT-VALUE}).")
    int pool = 4096;

    @Override
    public Integer call() throws Exception {
      ClientLoadRun.Settings s =
          new ClientLoadRun.Settings(
              clients, puts, objectSize, pool, seed.value, rounds.count, scratch.dir);
      ClientLoadRun.Result r = new ClientLoadRun(s, System.out).run();
      return r.failures() == 0 && r.wrongDigests() == 0 && r.storeAgrees() ? 0 : 1;
    }
  }

  /** Snapshot creation time against the tree's size. */
  @Command(
      name = "snapshots",
      description = "Time prepare of a child of a small and of a large committed tree.")
  static final class Snapshots implements Callable<Integer> {
    @Mixin Scratch scratch;

    @Option(names = "--drivers", split = ",", description = "Drivers (default btrfs,zfs).")
    List<String> drivers = List.of("btrfs", "zfs");

    @Option(names = "--small", description = "Files of the small tree (default ${DEFAULT-VALUE}).")
    int small = 10;

    @Option(names = "--large", description = "Files of the large tree (default ${DEFAULT-VALUE}).")
    int large = 100_000;

    @Option(names = "--repetitions", description = "Timed prepares (default ${DEFAULT-VALUE}).")
    int repetitions = 300;

    @Override
    public Integer call() throws Exception {
      SnapshotRun.Settings s =
          new SnapshotRun.Settings(drivers, small, large, repetitions, scratch.dir);
      return new SnapshotRun(s, System.out).run().stream().allMatch(r -> r.childrenSeeParent())
          ? 0
          : 1;
    }
  }

  /** Small random writes into a large file of a container. */
  @Command(
      name = "cow",
      description = "Random 4 KiB writes into a large file of a container: bytes stored per byte.")
  static final class Cow implements Callable<Integer> {
    @Mixin Rounds rounds;
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(
        names = "--drivers",
        split = ",",
        description = "Drivers; zfs@16K sets the pool's recordsize (default btrfs,zfs,zfs@16K).")
    List<String> drivers = List.of("btrfs", "zfs", "zfs@16K");

    @Option(names = "--file-size", description = "Bytes of the file (default ${DEFAULT-VALUE}).")
    String fileSize = "256m";

    @Option(names = "--writes", description = "Writes (default ${DEFAULT-VALUE}).")
    int writes = 2000;

    @Option(names = "--write-size", description = "Bytes per write (default ${DEFAULT-VALUE}).")
    int writeSize = 4096;

    @Override
    public Integer call() throws Exception {
      WriteAmplificationRun.Settings s =
          new WriteAmplificationRun.Settings(
              drivers,
              parseSize(fileSize),
              writes,
              writeSize,
              seed.value,
              rounds.count,
              scratch.dir);
      return new WriteAmplificationRun(s, System.out).run().stream().allMatch(r -> r.readBackOk())
          ? 0
          : 1;
    }
  }

  /** Container create and commit, through the container store, against image and change size. */
  @Command(
      name = "containers",
      description =
          "Create containers of a small and a large image, change N MiB, commit; time each step.")
  static final class Containers implements Callable<Integer> {
    @Mixin Seed seed;
    @Mixin Scratch scratch;

    @Option(names = "--drivers", split = ",", description = "Drivers (default btrfs,zfs).")
    List<String> drivers = List.of("btrfs", "zfs");

    @Option(names = "--small", description = "Files of the small image (default ${DEFAULT-VALUE}).")
    int small = 10;

    @Option(names = "--large", description = "Files of the large image (default ${DEFAULT-VALUE}).")
    int large = 100_000;

    @Option(names = "--creates", description = "Timed creates of each (default ${DEFAULT-VALUE}).")
    int creates = 100;

    @Option(names = "--changes", split = ",", description = "MiB changed (default 1,10,100).")
    List<Integer> changes = List.of(1, 10, 100);

    @Option(names = "--repetitions", description = "Per size and image (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Override
    public Integer call() throws Exception {
      ContainerRun.Settings s =
          new ContainerRun.Settings(
              drivers, small, large, creates, changes, repetitions, seed.value, scratch.dir);
      return new ContainerRun(s, System.out).run() ? 0 : 1;
    }
  }

  /** Parses {@code 123}, {@code 64k}, {@code 256m} or {@code 4g} (powers of 1024). */
  static long parseSize(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    int shift =
        switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          default -> 0;
        };
    String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
    try {
      return Long.parseLong(digits) << shift;
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("size " + text + ": expected e.g. 4g or 512m");
    }
  }

  /** docs/PERF.md from the tables of one run of perf/report.sh. */
  @Command(
      name = "report",
      description = "Write docs/PERF.md and its charts from the tables perf/report.sh made.")
  static final class Report implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "The run's directory of tables.")
    Path run;

    @Option(names = "--out", description = "The report (default ${DEFAULT-VALUE}).")
    Path out = Path.of("docs/PERF.md");

    @Option(
        names = "--assets",
        description = "Charts, targets.md and HISTORY.md (default ${DEFAULT-VALUE}).")
    Path assets = Path.of("docs/perf");

    @Override
    public Integer call() throws Exception {
      System.setProperty("java.awt.headless", "true");
      new io.strata.perf.report.PerfReport(run, out, assets).write();
      System.out.println("wrote " + out);
      return 0;
    }
  }

  /** {@code --rounds}: runs report medians over rounds. */
  static final class Rounds {
    @Option(
        names = "--rounds",
        paramLabel = "N",
        description = "Rounds; medians are reported (default ${DEFAULT-VALUE}).")
    int count = 3;
  }

  /** {@code --seed}: generated data is reproducible. */
  static final class Seed {
    @Option(
        names = "--seed",
        paramLabel = "SEED",
        description = "Generator seed (default ${DEFAULT-VALUE}).")
    long value = 1;
  }

  /** {@code --scratch}: where the runs make their data roots. */
  static final class Scratch {
    @Option(
        names = "--scratch",
        paramLabel = "DIR",
        description = "Where data roots are made (default: java.io.tmpdir).")
    Path dir = TMP;
  }
}

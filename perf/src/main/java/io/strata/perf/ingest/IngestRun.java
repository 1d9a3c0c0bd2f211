package io.strata.perf.ingest;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.liveHeap;
import static io.strata.perf.report.Figures.mb;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.mib;
import static io.strata.perf.report.Figures.percent;

import io.strata.perf.ScratchDir;
import io.strata.perf.peer.Backup;
import io.strata.perf.peer.ResticPeer;
import io.strata.perf.report.Machine;
import io.strata.perf.report.ResourceProbe;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.Compression;
import io.strata.store.engine.ChunkStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end-to-end ingest report. After unrecorded warm-up ingests, each round runs on the same data
 * sets: the machine bound over their chunks; Strata with verify-on-write into a fresh store, data
 * set after data set, then all of them again into the same store (re-ingest); Strata without
 * verify-on-write into another fresh store (the two alternate in order from round to round); restic
 * into a fresh repository. Every figure is the median over the rounds, and every ratio is taken
 * within a round before its median is taken.
 */
public final class IngestRun {
  private final List<DataSet> dataSets;
  private final Settings settings;
  private final Samples s = new Samples();
  private final PrintStream out;
  // Every Strata ingest runs its writers on these, as a long-running server keeps its threads.
  private final ExecutorService writerThreads;

  /**
   * How the run is made.
   *
   * @param rounds repetitions; medians are taken over them
   * @param writers files ingested at once
   * @param commitEvery files per commit of each writer
   * @param compression the store's codec
   * @param scratch where stores and repositories are made (and deleted)
   * @param restic whether to run restic alongside
   */
  public record Settings(
      int rounds,
      int writers,
      int commitEvery,
      Compression compression,
      Path scratch,
      boolean restic) {}

  /** A run over {@code dataSets}, in this order, printing to {@code out}. */
  public IngestRun(List<DataSet> dataSets, Settings settings, PrintStream out) {
    this.dataSets = List.copyOf(dataSets);
    this.settings = settings;
    this.out = out;
    this.writerThreads = Executors.newFixedThreadPool(settings.writers(), daemonThreads());
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "ingest-writer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Runs every round and prints the tables. */
  public void run() throws IOException {
    try {
      runRounds();
    } finally {
      writerThreads.shutdown();
    }
  }

  private void runRounds() throws IOException {
    Machine.printHeader(out);
    String restic = settings.restic() ? ResticPeer.version() : null;
    out.printf(
        "settings: %s, %d writers, commit every %d files, %d rounds, peer: %s%n",
        settings.compression(),
        settings.writers(),
        settings.commitEvery(),
        settings.rounds(),
        restic != null ? restic : "none");
    for (DataSet ds : dataSets) {
      out.printf(
          "data set %s: %s, %d files, %s%n",
          ds.name(), ds.root(), ds.files().size(), mb(ds.bytes()));
    }
    warmUp();
    for (int round = 1; round <= settings.rounds(); round++) {
      measureBounds();
      // Alternate which mode runs first, so neither always meets a fresher page cache or heap.
      boolean verifyFirst = round % 2 == 1;
      ingestStrata(verifyFirst);
      ingestStrata(!verifyFirst);
      if (restic != null) {
        ingestRestic();
      }
      printRound(round, restic != null);
    }
    out.println();
    printTables(restic != null);
  }

  /**
   * Unrecorded ingests of every data set down each path a round measures (verify on, re-ingest,
   * verify off), so the JIT has compiled all of them before the first measured round (and the files
   * are in the page cache). With the verify-on path alone, the first round's verify-off ingest and
   * re-ingest paid for compilation.
   */
  private void warmUp() throws IOException {
    for (boolean verify : new boolean[] {true, false}) {
      try (ScratchDir dir = ScratchDir.create(settings.scratch(), "strata-warmup-");
          ChunkStore store = ChunkStore.open(dir.path().resolve("chunks"), options(verify))) {
        TreeIngest ingest = ingestInto(store);
        for (DataSet ds : dataSets) {
          ingest.ingest(ds);
        }
        if (verify) {
          for (DataSet ds : dataSets) {
            ingest.ingest(ds);
          }
        }
      }
    }
    out.println("warm-up done");
  }

  /** The options of every store a round ingests into. */
  private ChunkStore.Options options(boolean verify) {
    return ChunkStore.Options.defaults()
        .withCompression(settings.compression())
        .withVerifyWrites(verify);
  }

  /** Ingests into {@code store} on the run's writer threads. */
  private TreeIngest ingestInto(ChunkStore store) {
    return new TreeIngest(store, writerThreads, settings.writers(), settings.commitEvery());
  }

  private void measureBounds() throws IOException {
    MachineBound mb =
        new MachineBound(
            ChunkerParams.DEFAULT,
            settings.compression(),
            Runtime.getRuntime().availableProcessors());
    double weighted = 0;
    double shaCpu = 0;
    for (DataSet ds : dataSets) {
      MachineBound.Bound b = mb.measure(ds);
      s.add(ds.name() + ".sha", b.shaMbs());
      s.add(ds.name() + ".codec", b.codecMbs());
      s.add(ds.name() + ".bound", b.ingestMbs());
      s.add(ds.name() + ".boundCpu", b.ingestCpuMsPerMb());
      weighted += ds.bytes() / b.reingestMbs();
      shaCpu += ds.bytes() * b.reingestCpuMsPerMb();
    }
    s.add("all.reBound", totalBytes() / weighted);
    s.add("all.reBoundCpu", shaCpu / totalBytes());
  }

  private void ingestStrata(boolean verify) throws IOException {
    String mode = verify ? ".on" : ".off";
    try (ScratchDir dir = ScratchDir.create(settings.scratch(), "strata-");
        ChunkStore store = ChunkStore.open(dir.path().resolve("chunks"), options(verify))) {
      TreeIngest ingest = ingestInto(store);
      for (DataSet ds : dataSets) {
        TreeIngest.Result r = ingest.ingest(ds);
        ChunkStore.Stats st = store.stats();
        String k = ds.name() + mode;
        double mbs = mbPerSec(r.bytes(), r.usage().wallNanos());
        s.add(k + ".mbs", mbs);
        s.add(k + ".cores", r.usage().cores());
        s.add(k + ".cpu", (double) r.usage().cpuNanos() / r.bytes());
        s.add(k + ".heap", r.usage().peakHeapBytes());
        s.add(k + ".live", r.usage().peakLiveHeapBytes());
        s.add(k + ".rss", r.usage().peakRssBytes());
        s.add(k + ".stored", st.storedBytes());
        s.add(k + ".logical", st.logicalBytes());
        s.add(k + ".dedup", (double) st.logicalBytes() / st.uniqueBytes());
        s.add(k + ".compression", (double) st.uniqueBytes() / st.compressedBytes());
        s.add(k + ".chunks", st.chunks());
        s.add(k + ".indexPerChunk", (double) st.indexRamBytes() / st.chunks());
        s.add(k + ".files", r.files());
      }
      if (verify) {
        reingest(ingest);
      }
    }
  }

  /** Everything again into the same store: only hashing and lookups should remain. */
  private void reingest(TreeIngest ingest) throws IOException {
    ResourceProbe probe = ResourceProbe.start();
    long bytes = 0;
    long newBytes = 0;
    for (DataSet ds : dataSets) {
      TreeIngest.Result r = ingest.ingest(ds);
      bytes += r.bytes();
      newBytes += r.newBytes();
    }
    ResourceProbe.Usage u = probe.stop();
    double mbs = mbPerSec(bytes, u.wallNanos());
    s.add("all.re.mbs", mbs);
    s.add("all.re.new", newBytes);
    s.add("all.re.cores", u.cores());
    s.add("all.re.cpu", (double) u.cpuNanos() / bytes);
  }

  private void ingestRestic() throws IOException {
    try (ScratchDir dir = ScratchDir.create(settings.scratch(), "restic-")) {
      ResticPeer peer = ResticPeer.init(dir.path());
      for (DataSet ds : dataSets) {
        Backup r = peer.backup(ds.root());
        double mbs = mbPerSec(ds.bytes(), r.nanos());
        s.add(ds.name() + ".restic.mbs", mbs);
        s.add(ds.name() + ".restic.repo", r.repoBytes());
      }
    }
  }

  /** This round's value of {@code key}. */
  private double latest(String key) {
    List<Double> v = s.all(key);
    return v.isEmpty() ? Double.NaN : v.get(v.size() - 1);
  }

  private void printRound(int n, boolean restic) {
    StringBuilder b = new StringBuilder("round " + n + ":");
    for (DataSet ds : dataSets) {
      String k = ds.name();
      double on = latest(k + ".on.mbs");
      double bound = latest(k + ".bound");
      s.add(k + ".ofBound", on / bound);
      s.add(k + ".verifyCost", 1 - on / latest(k + ".off.mbs"));
      s.add(k + ".verifyCpu", 1 - latest(k + ".off.cpu") / latest(k + ".on.cpu"));
      s.add(k + ".cpuEfficiency", latest(k + ".boundCpu") / latest(k + ".on.cpu"));
      b.append(
          String.format(
              Locale.ROOT,
              " %s %.0f MB/s (verify off %.0f, bound %.0f)",
              k,
              on,
              latest(k + ".off.mbs"),
              bound));
      if (restic) {
        double peer = latest(k + ".restic.mbs");
        s.add(k + ".ofRestic", on / peer);
        b.append(String.format(Locale.ROOT, ", restic %.0f MB/s", peer));
      }
    }
    double re = latest("all.re.mbs");
    s.add("all.re.ofBound", re / latest("all.reBound"));
    s.add("all.re.cpuEfficiency", latest("all.reBoundCpu") / latest("all.re.cpu"));
    b.append(String.format(Locale.ROOT, "; re-ingest %.0f MB/s", re));
    out.println(b);
  }

  private long totalBytes() {
    return dataSets.stream().mapToLong(DataSet::bytes).sum();
  }

  private void printTables(boolean restic) {
    out.println(
        "Ingest into an empty store (one store; data sets in order; store totals after each), medians:");
    Table t =
        new Table(
            "data set",
            "files",
            "logical",
            "stored",
            "dedup",
            "compression",
            "chunks",
            "MB/s",
            "CPU cores",
            "peak heap",
            "peak live heap",
            "peak RSS",
            "index RAM B/chunk");
    for (DataSet ds : dataSets) {
      String k = ds.name() + ".on";
      t.row(
          ds.name(),
          (long) s.median(k + ".files"),
          mb(ds.bytes()),
          mb(s.median(k + ".stored")),
          fixed(s.median(k + ".dedup"), 3),
          fixed(s.median(k + ".compression"), 3),
          (long) s.median(k + ".chunks"),
          fixed(s.median(k + ".mbs"), 0),
          fixed(s.median(k + ".cores"), 2),
          mib(s.median(k + ".heap")),
          liveHeap(s.median(k + ".live")),
          mib(s.median(k + ".rss")),
          fixed(s.median(k + ".indexPerChunk"), 1));
    }
    t.print(out);
    out.println();
    out.println(
        "Against the machine bound"
            + (restic ? " and restic" : "")
            + ", medians of per-round ratios:");
    Table b =
        new Table(
            "data set",
            "SHA-256 per core",
            settings.compression() + " per core",
            "bound, all cores",
            "Strata",
            "of bound",
            "restic",
            "restic repo",
            "Strata / restic");
    for (DataSet ds : dataSets) {
      String k = ds.name();
      b.row(
          k,
          fixed(s.median(k + ".sha"), 0) + " MB/s",
          fixed(s.median(k + ".codec"), 0) + " MB/s",
          fixed(s.median(k + ".bound"), 0) + " MB/s",
          fixed(s.median(k + ".on.mbs"), 0) + " MB/s",
          percent(s.median(k + ".ofBound")),
          restic ? fixed(s.median(k + ".restic.mbs"), 0) + " MB/s" : "-",
          restic ? mb(s.median(k + ".restic.repo")) : "-",
          restic ? fixed(s.median(k + ".ofRestic"), 2) + "x" : "-");
    }
    b.print(out);
    out.println();
    out.println(
        "CPU time per MB (process CPU clock; other tenants of the machine do not inflate it), "
            + "medians of per-round ratios:");
    Table c =
        new Table(
            "data set",
            "bound: SHA-256 + " + settings.compression(),
            "Strata, verify on",
            "Strata, verify off",
            "CPU efficiency (bound / Strata, verify on)",
            "MB/s on all cores at this CPU cost");
    int cores = Runtime.getRuntime().availableProcessors();
    for (DataSet ds : dataSets) {
      String k = ds.name();
      c.row(
          k,
          fixed(s.median(k + ".boundCpu"), 2) + " ms",
          fixed(s.median(k + ".on.cpu"), 2) + " ms",
          fixed(s.median(k + ".off.cpu"), 2) + " ms",
          percent(s.median(k + ".cpuEfficiency")),
          fixed(cores * 1e3 / s.median(k + ".on.cpu"), 0));
    }
    c.print(out);
    out.println();
    out.println(
        "Verify on write (decode and compare every compressed chunk before it is appended):");
    Table v =
        new Table(
            "data set",
            "verify on",
            "verify off",
            "wall-clock cost (1 - on/off)",
            "CPU cost (1 - cpu off/cpu on)",
            "stored (off)");
    for (DataSet ds : dataSets) {
      String k = ds.name();
      double on = s.median(k + ".on.mbs");
      double off = s.median(k + ".off.mbs");
      v.row(
          k,
          fixed(on, 0) + " MB/s",
          fixed(off, 0) + " MB/s",
          percent(s.median(k + ".verifyCost")),
          percent(s.median(k + ".verifyCpu")),
          mb(s.median(k + ".off.stored")));
    }
    v.print(out);
    out.println();
    out.println("Re-ingest of every data set into the same store:");
    new Table(
            "bytes",
            "MB/s",
            "SHA-256 bound, all cores",
            "of bound",
            "new bytes written",
            "CPU cores",
            "CPU ms/MB (bound: SHA-256 only)",
            "CPU efficiency")
        .row(
            mb(totalBytes()),
            fixed(s.median("all.re.mbs"), 0),
            fixed(s.median("all.reBound"), 0) + " MB/s",
            percent(s.median("all.re.ofBound")),
            (long) s.median("all.re.new"),
            fixed(s.median("all.re.cores"), 2),
            fixed(s.median("all.re.cpu"), 2) + " (" + fixed(s.median("all.reBoundCpu"), 2) + ")",
            percent(s.median("all.re.cpuEfficiency")))
        .print(out);
    out.println();
    out.println("Spread over the rounds (MB/s):");
    for (DataSet ds : dataSets) {
      out.printf(
          "  %s: verify on %s, off %s%s%n",
          ds.name(),
          s.all(ds.name() + ".on.mbs"),
          s.all(ds.name() + ".off.mbs"),
          restic ? ", restic " + s.all(ds.name() + ".restic.mbs") : "");
    }
    out.printf("  re-ingest: %s%n", s.all("all.re.mbs"));
  }
}

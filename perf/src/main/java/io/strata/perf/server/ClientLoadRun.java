package io.strata.perf.server;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.mib;
import static io.strata.perf.report.Figures.percentile;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.perf.data.SampleData;
import io.strata.perf.report.Machine;
import io.strata.perf.report.ResourceProbe;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.protocol.message.InfoReply;
import io.strata.protocol.message.PutReply;
import io.strata.store.digest.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many clients putting small objects at once into one stratad on loopback. The objects are drawn at
 * random from a shared pool, so most puts find their object stored already (by another client or an
 * earlier put) and deduplicate. Each client is one connection doing one put after another, a fixed
 * number of them, so the run stops by itself. Per round (a fresh server each): aggregate puts/s and
 * MB/s, latency percentiles of single puts, and the heap after a full collection with every client
 * connected, before and after the load, plus the highest heap left live after any collection during
 * it. Clients run in this JVM, so the heap figures include their (small) buffers.
 */
public final class ClientLoadRun {
  private final Settings settings;
  private final PrintStream out;
  private final Samples s = new Samples();
  private long failures;
  private long wrongDigests;
  private boolean storeAgrees = true;

  /**
   * How the run is made.
   *
   * @param clients connections putting at once
   * @param putsPerClient puts each client makes
   * @param objectSize bytes of each object
   * @param poolSize distinct objects the puts are drawn from
   * @param seed seeds the pool's bytes and every client's draws
   * @param rounds repetitions, each on a fresh server; medians are reported
   * @param scratch where the data roots are made (and deleted)
   */
  public record Settings(
      int clients,
      int putsPerClient,
      int objectSize,
      int poolSize,
      long seed,
      int rounds,
      Path scratch) {
    public Settings {
      if (clients <= 0 || putsPerClient <= 0 || objectSize <= 0 || poolSize <= 0 || rounds <= 0) {
        throw new IllegalArgumentException(
            "client load run: clients, puts, object size, pool size and rounds must be positive");
      }
    }
  }

  /**
   * What the run found (over all rounds).
   *
   * @param puts puts answered OK
   * @param failures puts that failed
   * @param wrongDigests puts answered with another digest than the object's SHA-256
   * @param storeAgrees whether, after every round, the server listed exactly the objects drawn
   * @param putsPerSec aggregate puts per second, median of the rounds
   * @param p99Micros 99th percentile of one put's latency, median of the rounds
   */
  public record Result(
      long puts,
      long failures,
      long wrongDigests,
      boolean storeAgrees,
      double putsPerSec,
      double p99Micros) {}

  /** A run with these settings, printing to {@code out}. */
  public ClientLoadRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs every round, prints the table, and returns what was found. */
  public Result run() throws IOException, InterruptedException {
    Machine.printHeader(out);
    out.printf(
        "%d clients x %d puts of %d-byte objects drawn from a pool of %d, %d rounds%n",
        settings.clients(),
        settings.putsPerClient(),
        settings.objectSize(),
        settings.poolSize(),
        settings.rounds());
    Machine.printLoad(out, "at start");
    byte[] pool = SampleData.textLike(settings.poolSize() * settings.objectSize(), settings.seed());
    Digest[] digests = new Digest[settings.poolSize()];
    for (int i = 0; i < digests.length; i++) {
      digests[i] = Digest.sha256(pool, i * settings.objectSize(), settings.objectSize());
    }
    // An unrecorded round first (a quarter of the puts), so the JIT has compiled both ends.
    round(0, Math.max(1, settings.putsPerClient() / 4), pool, digests);
    long puts = 0;
    for (int round = 1; round <= settings.rounds(); round++) {
      puts += round(round, settings.putsPerClient(), pool, digests);
    }
    Machine.printLoad(out, "at end");
    Result r =
        new Result(
            puts, failures, wrongDigests, storeAgrees, s.median("putsPerSec"), s.median("p99"));
    printTable(r);
    return r;
  }

  /**
   * One round of {@code puts} per client on a fresh server; returns the puts answered OK. Round 0
   * is the warm-up, not recorded.
   */
  private long round(int round, int puts, byte[] pool, Digest[] digests)
      throws IOException, InterruptedException {
    int n = settings.clients();
    try (LoopbackServer server = LoopbackServer.start(settings.scratch())) {
      List<StrataClient> clients = new ArrayList<>();
      ExecutorService threads = Executors.newFixedThreadPool(n);
      try {
        for (int c = 0; c < n; c++) {
          clients.add(server.connect());
        }
        long heapBefore = ResourceProbe.heapAfterFullGc();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ClientWork>> work = new ArrayList<>();
        for (int c = 0; c < n; c++) {
          Callable<ClientWork> task = clientTask(clients.get(c), c, round, puts, go, pool, digests);
          work.add(threads.submit(task));
        }
        ResourceProbe probe = ResourceProbe.start();
        go.countDown();
        List<ClientWork> done = new ArrayList<>();
        for (Future<ClientWork> f : work) {
          done.add(join(f));
        }
        ResourceProbe.Usage usage = probe.stop();
        long heapAfter = ResourceProbe.heapAfterFullGc();
        if (round == 0) {
          out.println("warm-up done");
          return 0;
        }
        return record(round, done, usage, heapBefore, heapAfter, clients.get(0));
      } finally {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        for (StrataClient c : clients) {
          c.close();
        }
      }
    }
  }

  private static ClientWork join(Future<ClientWork> f) throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new IOException("a client thread failed: " + e.getCause(), e.getCause());
    }
  }

  /** What one client did in a round. */
  private record ClientWork(long[] latencyNanos, int ok, int failed, int wrong, BitSet drawn) {}

  private Callable<ClientWork> clientTask(
      StrataClient client,
      int c,
      int round,
      int puts,
      CountDownLatch go,
      byte[] pool,
      Digest[] digests) {
    int size = settings.objectSize();
    SplittableRandom random = new SplittableRandom(settings.seed() * 1_000_003 + round * 1009L + c);
    return () -> {
      long[] latency = new long[puts];
      BitSet drawn = new BitSet(digests.length);
      int ok = 0;
      int failed = 0;
      int wrong = 0;
      go.await();
      for (int i = 0; i < puts; i++) {
        int pick = random.nextInt(digests.length);
        ByteArrayInputStream in = new ByteArrayInputStream(pool, pick * size, size);
        long start = System.nanoTime();
        try {
          PutReply reply = client.put(in, (long) size, TransferListener.NONE);
          latency[i] = System.nanoTime() - start;
          ok++;
          drawn.set(pick);
          if (!digests[pick].toString().equals(reply.digest())) {
            wrong++;
          }
        } catch (IOException e) {
          latency[i] = System.nanoTime() - start;
          failed++;
        }
      }
      return new ClientWork(latency, ok, failed, wrong, drawn);
    };
  }

  private long record(
      int round,
      List<ClientWork> done,
      ResourceProbe.Usage usage,
      long heapBefore,
      long heapAfter,
      StrataClient client)
      throws IOException {
    int total = done.size() * settings.putsPerClient();
    long[] latency = new long[total];
    BitSet drawn = new BitSet();
    long ok = 0;
    int at = 0;
    for (ClientWork w : done) {
      System.arraycopy(w.latencyNanos(), 0, latency, at, w.latencyNanos().length);
      at += w.latencyNanos().length;
      drawn.or(w.drawn());
      ok += w.ok();
      failures += w.failed();
      wrongDigests += w.wrong();
    }
    InfoReply info = client.info();
    int listed = client.list().size();
    if (listed != drawn.cardinality()) {
      storeAgrees = false;
    }
    double seconds = usage.wallNanos() / 1e9;
    s.add("putsPerSec", ok / seconds);
    s.add("mbs", mbPerSec(ok * settings.objectSize(), usage.wallNanos()));
    s.add("p50", percentile(latency, 0.50) / 1e3);
    s.add("p99", percentile(latency, 0.99) / 1e3);
    s.add("max", percentile(latency, 1.0) / 1e3);
    s.add("cores", usage.cores());
    s.add("cpuPerPut", usage.cpuNanos() / 1e3 / ok);
    s.add("heapBefore", heapBefore / (double) (1 << 20));
    s.add("heapAfter", heapAfter / (double) (1 << 20));
    s.add("peakLive", usage.peakLiveHeapBytes() / (double) (1 << 20));
    s.add("rss", usage.peakRssBytes() / (double) (1 << 20));
    out.printf(
        "round %d: %d puts OK in %s s, %d distinct objects (server lists %d, %d chunks, %s packs),"
            + " p50 %s us, p99 %s us, heap %s -> %s%n",
        round,
        ok,
        fixed(seconds, 2),
        drawn.cardinality(),
        listed,
        info.chunks(),
        mib(info.storedBytes()),
        fixed(percentile(latency, 0.50) / 1e3, 0),
        fixed(percentile(latency, 0.99) / 1e3, 0),
        mib(heapBefore),
        mib(heapAfter));
    return ok;
  }

  private void printTable(Result r) {
    out.println();
    Table t = new Table("figure", "median (rounds)");
    t.row("puts/s, all clients", s.withSpread("putsPerSec", 0));
    t.row("MB/s, all clients", s.withSpread("mbs", 1));
    t.row("put latency p50, us", s.withSpread("p50", 0));
    t.row("put latency p99, us", s.withSpread("p99", 0));
    t.row("put latency max, us", s.withSpread("max", 0));
    t.row("CPU cores busy", s.withSpread("cores", 2));
    t.row("CPU us per put (process)", s.withSpread("cpuPerPut", 0));
    t.row("heap after full GC, clients connected, before, MiB", s.withSpread("heapBefore", 1));
    t.row("heap after full GC, after the load, MiB", s.withSpread("heapAfter", 1));
    t.row("peak live heap during the load, MiB", s.withSpread("peakLive", 1));
    t.row("peak RSS during the load, MiB", s.withSpread("rss", 0));
    t.print(out);
    out.printf(
        "puts OK %d, failed %d, wrong digest %d; server listing matches the objects drawn: %s%n",
        r.puts(), r.failures(), r.wrongDigests(), r.storeAgrees() ? "yes" : "NO");
  }
}

package io.strata.perf.server;

import io.strata.perf.ScratchDir;
import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.roaringbitmap.RoaringBitmap;

/**
 * How long {@code bin/stratad} takes to start serving a data root of many chunks: after a clean
 * stop (the index checkpoint covers everything) and after SIGKILL (the packs' tails beyond the
 * checkpoint are scanned and the open pack sealed). The data root is built in this JVM with small
 * distinct chunks (there is no faster honest way to make a million of them); the restarts are of
 * the real server, from its start to its ready line.
 */
public final class RestartRun {
  /**
   * The run's settings.
   *
   * @param chunks chunks in the data root
   * @param rounds restarts timed for each case
   * @param stratad the server's launcher ({@code bin/stratad})
   * @param scratch where the data root goes
   * @param tailBytes bytes put through the running server before it is killed (beyond the
   *     checkpoint, so the restart scans them)
   */
  public record Settings(int chunks, int rounds, Path stratad, Path scratch, long tailBytes) {}

  private final Settings settings;
  private final PrintStream out;

  public RestartRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  public void run() throws Exception {
    try (ScratchDir dir = ScratchDir.create(settings.scratch(), "strata-restart-")) {
      Path data = dir.path().resolve("data");
      long built = System.nanoTime();
      build(data, settings.chunks());
      out.printf(
          "Built a data root of %,d chunks in %.1f s (in-process).%n%n",
          settings.chunks(), (System.nanoTime() - built) / 1e9);
      out.println("| restart of bin/stratad | seconds to the ready line |");
      out.println("| --- | --- |");
      List<Double> clean = new ArrayList<>();
      for (int i = 0; i < settings.rounds(); i++) {
        clean.add(timeStart(data));
      }
      out.printf("| after a clean stop | %s |%n", list(clean));
      List<Double> killed = new ArrayList<>();
      for (int i = 0; i < settings.rounds(); i++) {
        killAfterWriting(data, dir.path(), i);
        killed.add(timeStart(data));
      }
      out.printf(
          "| after SIGKILL with %,d MB written since the checkpoint | %s |%n",
          settings.tailBytes() >> 20, list(killed));
    }
  }

  private static String list(List<Double> seconds) {
    StringBuilder b = new StringBuilder();
    for (double s : seconds) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format("%.2f", s));
    }
    return b.toString();
  }

  /** Stores {@code n} distinct 64-byte chunks under 100 roots. */
  private static void build(Path data, int n) throws IOException {
    try (Engine e = Engine.open(data, "btrfs", ChunkStore.Options.defaults())) {
      ChunkStore store = e.chunks();
      Random random = new Random(1);
      byte[] chunk = new byte[64];
      int perRoot = Math.max(1, n / 100);
      for (int done = 0, root = 0; done < n; root++) {
        try (WriteSession s = store.session()) {
          RoaringBitmap ids = new RoaringBitmap();
          for (int i = 0; i < perRoot && done < n; i++, done++) {
            random.nextBytes(chunk);
            ids.add(store.putChunk(s, chunk, 0, chunk.length).id());
          }
          s.commit(
              List.of(
                  new RootChange.Put(
                      new Root(
                          "perf/restart-" + root, ids.getCardinality() * 64L, new byte[0], ids))));
        }
      }
    }
  }

  /** A running server and the address it listens on. */
  private record Started(Process process, String host) {}

  /** Starts the server, waits for its ready line, stops it with SIGTERM; returns the seconds. */
  private double timeStart(Path data) throws Exception {
    long t0 = System.nanoTime();
    Process p = start(data).process();
    double s = (System.nanoTime() - t0) / 1e9;
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("stratad did not stop within 60 s of SIGTERM");
    }
    return s;
  }

  private Started start(Path data) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            settings.stratad().toString(), "--data", data.toString(), "--listen", "127.0.0.1:0");
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    if (line == null || !line.startsWith("stratad listening on ")) {
      p.destroyForcibly();
      throw new IOException("stratad did not start: " + line);
    }
    String host = line.substring("stratad listening on ".length()).split(" ")[0];
    return new Started(p, host);
  }

  /**
   * Starts the server, puts {@code tailBytes} of new data through it, and kills it with SIGKILL.
   */
  private void killAfterWriting(Path data, Path scratch, int round) throws Exception {
    Started started = start(data);
    Process p = started.process();
    Path file = scratch.resolve("tail-" + round);
    byte[] block = new byte[1 << 20];
    Random random = new Random(100 + round);
    try (var o = Files.newOutputStream(file)) {
      for (long left = settings.tailBytes(); left > 0; left -= block.length) {
        random.nextBytes(block);
        o.write(block, 0, (int) Math.min(block.length, left));
      }
    }
    String host = started.host();
    Process put =
        new ProcessBuilder(
                settings.stratad().resolveSibling("strata").toString(),
                "--host",
                host,
                "blob",
                "put",
                file.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!put.waitFor(600, TimeUnit.SECONDS) || put.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("strata blob put failed before the kill");
    }
    p.destroyForcibly();
    p.waitFor(60, TimeUnit.SECONDS);
    Files.delete(file);
  }
}

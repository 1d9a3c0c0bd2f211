package io.strata.store.engine;

import io.strata.store.digest.Digest;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link GcCrashIT}: one thread puts objects and removes some of those it put,
 * while another runs GC over and over, until the process is killed. It prints {@code ACK seed
 * digest} after a put returned, {@code RM seed} before a remove and {@code RMD seed} after it
 * returned; the parent holds the store to exactly what was acknowledged.
 */
public final class GcCrashWriter {
  private GcCrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    PrintStream out = System.out;
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      say(out, "OPEN");
      Thread gc =
          new Thread(
              () -> {
                Random r = new Random(seed);
                while (true) {
                  try {
                    e.gc();
                    Thread.sleep(r.nextInt(15));
                  } catch (Exception ex) {
                    say(out, "GCFAIL " + ex);
                    return;
                  }
                }
              },
              "gc");
      gc.setDaemon(true);
      gc.start();
      Random r = new Random(seed * 31);
      Map<Long, Digest> mine = new HashMap<>();
      for (long s = seed; ; s++) {
        // Half the objects repeat an earlier one's content: puts that race GC over the same bytes.
        long content = s > seed + 2 && r.nextBoolean() ? seed + r.nextInt((int) (s - seed)) : s;
        say(out, "PUT " + s + " " + content);
        Digest d = e.blobs().put(new ByteArrayInputStream(GcCrashIT.content(content))).digest();
        mine.put(s, d);
        say(out, "ACK " + s + " " + content + " " + d);
        if (r.nextInt(3) == 0) {
          long victim = seed + r.nextInt((int) (s - seed + 1));
          Digest v = mine.get(victim);
          if (v != null) {
            mine.values().removeIf(v::equals);
            say(out, "RM " + victim + " " + v);
            e.blobs().remove(v);
            say(out, "RMD " + victim + " " + v);
          }
        }
      }
    }
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}

package io.strata.store.engine;

import io.strata.store.Engine;
import io.strata.store.digest.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link GcCrashIT}: one thread puts objects and removes some of those it put,
 * while another runs GC over and over, until the process is killed. It writes to its journal file
 * {@code PUT seed content} before a put, {@code ACK seed content digest} after it returned, {@code
 * RM seed digest} before a remove and {@code RMD seed digest} after it returned; the parent holds
 * the store to exactly what was acknowledged.
 */
public final class GcCrashWriter {
  private GcCrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    // Each line goes to the file in one write call: what a killed process wrote to a file stays
    // there, while lines on a pipe were seen to go missing when the kill came.
    FileChannel out =
        FileChannel.open(
            Path.of(args[2]),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      System.out.println("OPEN");
      System.out.flush();
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

  private static void say(FileChannel out, String line) {
    synchronized (out) {
      try {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
          out.write(b);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

package io.strata.store.engine;

import io.strata.store.Engine;
import io.strata.store.blob.PutResult;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;

/**
 * The child process of {@link CrashIT}: puts objects forever until it is killed. Before each put it
 * records the seed durably in the journal file (so the parent knows every object that may exist,
 * whatever reached the pipe), and after the put prints {@code ACK seed digest}.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    Path journal = Path.of(args[2]);
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults());
        java.nio.channels.FileChannel started =
            java.nio.channels.FileChannel.open(
                journal,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND)) {
      System.out.println("OPEN");
      System.out.flush();
      for (long s = seed; ; s++) {
        started.write(
            java.nio.ByteBuffer.wrap(
                (s + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        started.force(true);
        PutResult r = e.blobs().put(new ByteArrayInputStream(CrashIT.content(s)));
        System.out.println("ACK " + s + " " + r.digest());
        System.out.flush();
        if (s % 7 == 0) {
          e.gc();
        }
      }
    }
  }

  /** Unused: keeps the text generator reachable from the child's class path checks. */
  static byte[] probe() {
    return TestData.text(0, 1);
  }
}

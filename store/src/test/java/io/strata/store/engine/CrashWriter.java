package io.strata.store.engine;

import io.strata.store.blob.PutResult;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;

/**
 * The child process of {@link CrashIT}: puts objects forever, printing {@code START seed} before
 * each put and {@code ACK seed digest} once it is acknowledged, until it is killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    try (Engine e = Engine.open(data, null, ChunkStore.Options.defaults())) {
      System.out.println("OPEN");
      System.out.flush();
      for (long s = seed; ; s++) {
        System.out.println("START " + s);
        System.out.flush();
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

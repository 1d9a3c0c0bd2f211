package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import io.strata.store.fs.FileSystemView;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop that serves a busy mount for its grace ({@link FuseMounts#close(long)}) loses nothing a
 * write acknowledged: a process appending without fsync, its directory in the mount, keeps writing
 * until the grace ends; then its writes fail (ENOTCONN), and after the store is closed and opened
 * again every line it wrote is there. Before, the writes of the grace were acknowledged and never
 * made durable.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BusyMountStopTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @Test
  void whatABusyMountAcceptedDuringTheGraceIsDurableWhenItEnds() throws Exception {
    Path acked = dir.resolve("acked");
    MountedSnapshot m = MountedSnapshot.open(dir);
    Process writer = null;
    try {
      // the writer's directory is in the mount, so the mount stays in use after its detach
      writer =
          new ProcessBuilder(
                  "timeout",
                  "90",
                  "sh",
                  "-c",
                  // each line acknowledged is counted outside the mount (renamed: never half
                  // written)
                  "i=0; while [ $i -lt 5000 ]; do i=$((i+1)); echo $i >> log || break; echo $i > "
                      + acked
                      + ".new; mv "
                      + acked
                      + ".new "
                      + acked
                      + "; sleep 0.02; done; echo stopped")
              .directory(m.mountPoint.toFile())
              .redirectErrorStream(true)
              .start();
      awaitAcked(acked, 10);
      int atStop = readAcked(acked);
      m.mounts.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(6));
      int atEnd = readAcked(acked);
      assertThat(atEnd).as("the mount was served through the grace").isGreaterThan(atStop + 20);
      assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer ends").isTrue();
      String said = new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // the kernel passes the refusal on as EIO or ENOTCONN, depending on the call
      assertThat(said)
          .containsPattern("I/O error|Transport endpoint is not connected")
          .contains("stopped");
    } finally {
      if (writer != null) {
        writer.destroyForcibly();
      }
      m.engine.close();
      if (MountTable.at(m.mountPoint.toAbsolutePath().normalize()) != null) {
        MountTable.detach(m.mountPoint.toAbsolutePath().normalize()); // left by a failed run
      }
    }
    int written = readAcked(acked);
    try (Engine again = Engine.open(m.dataRoot, null, ChunkStore.Options.defaults())) {
      FileSystemView fs = again.storage().fs(MountedSnapshot.KEY);
      String log;
      try (InputStream in = fs.open("/log")) {
        log = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      StringBuilder expected = new StringBuilder();
      for (int i = 1; i <= written; i++) {
        expected.append(i).append('\n');
      }
      assertThat(log).isEqualTo(expected.toString());
    }
  }

  private static void awaitAcked(Path acked, int lines) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (readAcked(acked) < lines) {
      assertThat(System.nanoTime()).as("the writer made no progress").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static int readAcked(Path acked) throws Exception {
    try {
      String s = Files.readString(acked).strip();
      return s.isEmpty() ? 0 : Integer.parseInt(s);
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    }
  }
}

package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.HostPort;
import io.strata.protocol.message.PutReply;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** stratad as its own process: the ready line, signals, the lock, refusals at start, crashes. */
class ProcessIT {
  @TempDir Path dir;

  private Path data() {
    return dir.resolve("data");
  }

  @Test
  void readyLineLockAndSigtermExitZero() throws Exception {
    try (StratadProcess first =
        StratadProcess.launch(dir.resolve("logs"), "--data", data().toString())) {
      assertThat(first.awaitReady()).as(first.stderr()).isTrue();
      assertThat(first.port()).as("the port the kernel chose").isPositive();
      assertThat(first.stdout())
          .isEqualTo(
              "stratad listening on 127.0.0.1:"
                  + first.port()
                  + " (driver btrfs, data "
                  + data()
                  + ")\n");

      try (StratadProcess second =
          StratadProcess.launch(dir.resolve("logs"), "--data", data().toString())) {
        assertThat(second.awaitExit()).isNotZero().isNotEqualTo(-1);
        assertThat(second.stderr()).startsWith("stratad: ").contains("in use").contains("LOCK");
        assertThat(second.stderr().lines()).hasSize(1);
      }

      try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", first.port()), null)) {
        assertThat(c.info().driver()).isEqualTo("btrfs");
      }
      first.process().destroy(); // SIGTERM
      assertThat(first.awaitExit()).isZero();
    }
  }

  @Test
  void refusalsAtStartAreOneLineAndQuick() throws Exception {
    try (StratadProcess open =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", data().toString(), "--listen", "0.0.0.0:0")) {
      assertThat(open.awaitExit()).isEqualTo(1);
      assertThat(open.stderr().trim())
          .isEqualTo(
              "stratad: --listen 0.0.0.0:0 is not a loopback address; serving other hosts requires"
                  + " --token-file");
    }
    Path zroot = dir.resolve("zroot");
    try (StratadProcess z =
        StratadProcess.launch(dir.resolve("logs"), "--data", zroot.toString(), "--driver", "zfs")) {
      assertThat(z.awaitReady()).as(z.stderr()).isTrue();
      assertThat(z.stdout()).contains("(driver zfs, data " + zroot + ")");
      z.process().destroy();
      assertThat(z.awaitExit()).isZero();
    }
    try (StratadProcess mismatch =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", zroot.toString(), "--driver", "btrfs")) {
      assertThat(mismatch.awaitExit()).isEqualTo(1);
      assertThat(mismatch.stderr()).startsWith("stratad: ").contains("zfs");
    }
    try (StratadProcess usage =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", data().toString(), "--compression", "gzip")) {
      assertThat(usage.awaitExit()).isEqualTo(2);
      assertThat(usage.stderr()).startsWith("stratad: --compression: compression gzip");
    }
  }

  @Test
  @Timeout(120)
  void aTokenFileOthersCanReadIsRefusedAtStart() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
    try (StratadProcess open =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", data().toString(), "--token-file", token.toString())) {
      assertThat(open.awaitExit()).isEqualTo(1);
      assertThat(open.stderr())
          .isEqualTo(
              "stratad: --token-file "
                  + token
                  + ": mode 0644 lets group or others access the token; make it private with"
                  + " chmod 600 "
                  + token
                  + "\n");
    }
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    try (StratadProcess ok =
        StratadProcess.launch(
            dir.resolve("logs"), "--data", data().toString(), "--token-file", token.toString())) {
      assertThat(ok.awaitReady()).as(ok.stderr()).isTrue();
      ok.process().destroy();
      assertThat(ok.awaitExit()).isZero();
    }
  }

  @Test
  void aCrashMidWriteKeepsWhatWasAcknowledged() throws Exception {
    byte[] kept = TestData.random(11, 3 << 20);
    PutReply acknowledged;
    try (StratadProcess s =
        StratadProcess.launch(dir.resolve("logs"), "--data", data().toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      HostPort at = new HostPort("127.0.0.1", s.port());
      try (StrataClient c = StrataClient.connect(at, null)) {
        acknowledged =
            c.put(new ByteArrayInputStream(kept), (long) kept.length, TransferListener.NONE);
      }
      AtomicLong sent = new AtomicLong();
      // What the writer met besides the connection dropping under it: the test fails with it.
      AtomicReference<Throwable> unexpected = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try (StrataClient c = StrataClient.connect(at, null)) {
                  c.put(endless(), null, sent::addAndGet);
                } catch (IOException e) {
                  // the server is killed under it: expected (a StrataClientException, or the
                  // socket's own error when the write is what finds the connection gone)
                } catch (Throwable e) {
                  unexpected.set(e);
                }
              });
      writer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sent.get() < (16 << 20)) {
        assertThat(unexpected.get()).as("the writer failed before the crash").isNull();
        assertThat(writer.isAlive()).as("the writer stopped after %d bytes", sent.get()).isTrue();
        assertThat(System.nanoTime())
            .as("16 MiB not sent within 60 s (%d bytes)", sent.get())
            .isLessThan(deadline);
        Thread.sleep(20);
      }
      s.process().destroyForcibly(); // kill -9 in the middle of the write
      s.process().waitFor();
      writer.join(30_000);
      assertThat(writer.isAlive()).as("the writer noticed the crash within 30 s").isFalse();
      assertThat(unexpected.get()).as("the writer's failure").isNull();
    }
    try (StratadProcess s =
        StratadProcess.launch(dir.resolve("logs"), "--data", data().toString())) {
      assertThat(s.awaitReady()).as(s.stderr()).isTrue();
      try (StrataClient c = StrataClient.connect(new HostPort("127.0.0.1", s.port()), null)) {
        assertThat(c.list()).hasSize(1);
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        c.get(acknowledged.digest(), 0, -1, back, TransferListener.NONE);
        assertThat(back.toByteArray()).isEqualTo(kept);
        assertThat(c.fsck().damaged()).isEmpty();
      }
      s.process().destroy();
      assertThat(s.awaitExit()).isZero();
    }
  }

  /** An input stream that never ends: a write interrupted only by the crash. */
  private static InputStream endless() {
    byte[] block = TestData.random(12, 1 << 20);
    return new InputStream() {
      private long pos;

      @Override
      public int read() {
        return block[(int) (pos++ % block.length)] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        int at = (int) (pos % block.length);
        int n = Math.min(len, block.length - at);
        System.arraycopy(block, at, b, off, n);
        // vary the content so that every chunk is new
        b[off] = (byte) (pos >>> 20);
        pos += n;
        return n;
      }
    };
  }
}

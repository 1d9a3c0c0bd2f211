package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import io.strata.store.fs.FileSystemView;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount whose server was killed is found stale and detached at the next start, even while the
 * kernel still answers a stat of its root from cached attributes (CI once saw a restarted server
 * keep such a mount and fail every later use of its directory).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StaleMountTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @Test
  void aKilledServersMountIsStaleThoughItsRootAttributesAreCached() throws Exception {
    Path mounts = Files.createDirectories(dir.resolve("mounts"));
    Path mp = Files.createDirectories(mounts.resolve("left"));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServeThenHalt.class.getName(),
                dir.resolve("data").toString(),
                mp.toString())
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the serving process ends").isTrue();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(said).as(said).contains("mounted");
      MountTable.Entry left = MountTable.at(mp);
      assertThat(left).as("the killed server's mount is still there").isNotNull();
      assertThat(left.isFuse()).isTrue();

      assertThat(MountTable.isStale(mp)).isTrue();
      assertThat(FuseMounts.detachStaleUnder(mounts)).isEqualTo(1);
      assertThat(MountTable.at(mp)).isNull();
      assertThat(Files.isDirectory(mp)).isTrue();
    } finally {
      p.destroyForcibly();
      if (MountTable.at(mp) != null) {
        MountTable.detach(mp);
      }
    }
  }

  /**
   * A mount whose server is alive but does not answer (hung, out of heap) blocks every call on it
   * in the kernel: a server starting beside it used to hang for good probing it
   * (docs/ADVERSARIAL.md, O5). The probe gives up in time, calls it silent, and leaves it mounted;
   * a mount there is refused in words.
   */
  @Test
  void aMountWhoseServerDoesNotAnswerIsLeftAloneAndNobodyWaitsOnIt() throws Exception {
    try (MountedSnapshot m = MountedSnapshot.open(dir)) {
      FileSystemView real = m.engine.storage().fs(MountedSnapshot.KEY);
      AtomicBoolean hung = new AtomicBoolean();
      CountDownLatch answer = new CountDownLatch(1);
      FileSystemView hanging =
          (FileSystemView)
              Proxy.newProxyInstance(
                  FileSystemView.class.getClassLoader(),
                  new Class<?>[] {FileSystemView.class},
                  (proxy, method, args) -> {
                    if (hung.get() && method.getName().equals("stat")) {
                      answer.await(60, TimeUnit.SECONDS);
                    }
                    try {
                      return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      Path parent = Files.createDirectories(dir.resolve("mounts"));
      Path at = Files.createDirectories(parent.resolve("hung"));
      FuseMount mount = m.mounts.mount(hanging, at, false);
      FuseMounts beside = new FuseMounts(m.dataRoot, false);
      try {
        hung.set(true);
        Thread.sleep(LowLevelFs.WRITABLE_MILLIS + 500); // the root's cached attributes expire
        long start = System.nanoTime();

        assertThat(MountTable.probe(at, Duration.ofMillis(500))).isEqualTo(MountTable.Probe.SILENT);
        assertThat(FuseMounts.detachStaleUnder(parent)).isZero();
        assertThat(MountTable.at(at)).as("a silent mount is not detached").isNotNull();
        assertThatThrownBy(() -> beside.mount(real, at, false))
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("mount point " + at)
            .hasMessageContaining("whose server does not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .as("no caller waited on the hung mount")
            .isLessThan(Duration.ofSeconds(15));

        answer.countDown();
        assertThat(MountTable.probe(at, Duration.ofSeconds(30)))
            .isEqualTo(MountTable.Probe.ANSWERS);
      } finally {
        answer.countDown();
        beside.close();
        mount.close();
      }
    }
  }
}

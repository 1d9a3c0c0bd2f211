package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request whose failure cannot even be described (an Error whose text throws, as one does when
 * the heap has run out) is still answered, and the mount goes on serving: a serving thread used to
 * die with the request unanswered, and the process that made it waited in the kernel for good
 * (docs/ADVERSARIAL.md, round 7, O3).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ErrorAnswerTest {
  @TempDir Path dir;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  /** An Error nothing can print. */
  private static final class Unprintable extends Error {
    private static final long serialVersionUID = 1L;

    @Override
    public String getMessage() {
      throw new OutOfMemoryError("Java heap space");
    }

    @Override
    public String toString() {
      throw new OutOfMemoryError("Java heap space");
    }
  }

  @Test
  void aRequestWhoseFailureCannotBeDescribedIsAnsweredAndTheMountServesOn() throws Exception {
    try (MountedSnapshot m = MountedSnapshot.open(dir)) {
      FileSystemView real = m.engine.storage().fs(MountedSnapshot.KEY);
      byte[] poison = "poison".getBytes(StandardCharsets.UTF_8);
      byte[] fine = "fine".getBytes(StandardCharsets.UTF_8);
      real.write("/poison", 0, poison, 0, poison.length);
      real.write("/fine", 0, fine, 0, fine.length);
      real.sync();
      FileSystemView failing =
          (FileSystemView)
              Proxy.newProxyInstance(
                  FileSystemView.class.getClassLoader(),
                  new Class<?>[] {FileSystemView.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("read") && "/poison".equals(args[0])) {
                      throw new Unprintable();
                    }
                    try {
                      return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      Path at = Files.createDirectories(dir.resolve("failing"));
      FuseMount mount = m.mounts.mount(failing, at, true);
      try {
        for (int i = 0; i < 4; i++) {
          MountedSnapshot.Run r = MountedSnapshot.run("cat " + at.resolve("poison"));
          assertThat(r.exit()).as(r.out()).isNotZero();
          assertThat(r.out()).contains("Cannot allocate memory");
        }
        for (int i = 0; i < 4; i++) {
          assertThat(MountedSnapshot.ok("cat " + at.resolve("fine"))).isEqualTo("fine");
        }
      } finally {
        mount.close();
      }
    }
  }
}

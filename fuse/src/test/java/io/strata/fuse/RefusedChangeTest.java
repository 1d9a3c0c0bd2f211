package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call the mount refuses changes nothing but itself: the changes of every writer held for the
 * next sync stay (docs/ADVERSARIAL.md, F1: one setxattr of a 4 KiB value answered EIO and dropped
 * every change made through the mount since its last sync, other files and directories with it).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RefusedChangeTest {
  @TempDir Path dir;
  MountedSnapshot m;

  @BeforeAll
  static void fuse() {
    MountedSnapshot.requireFuse();
  }

  @BeforeEach
  void mount() throws Exception {
    m = MountedSnapshot.open(dir);
  }

  @AfterEach
  void unmount() throws Exception {
    m.close();
  }

  private static void setXattr(Path p, String name, int size) throws Exception {
    byte[] v = new byte[size];
    Arrays.fill(v, (byte) 'v');
    Files.getFileAttributeView(p, UserDefinedFileAttributeView.class)
        .write(name, ByteBuffer.wrap(v));
  }

  @Test
  void anXattrTooLargeIsE2bigAndTheHeldChangesStay() throws Exception {
    Files.writeString(m.path("work.txt"), "important");
    Files.createDirectories(m.path("proj"));
    Files.writeString(m.path("proj/file"), "data");
    Files.writeString(m.path("victim"), "");

    // user.big: 17 bytes of key with its inode and type, so 5,103 bytes of value fit
    setXattr(m.path("victim"), "big", 5103);
    assertThatThrownBy(() -> setXattr(m.path("victim"), "big2", 5104))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Argument list too long");

    assertThat(Files.readString(m.path("work.txt"))).isEqualTo("important");
    assertThat(Files.readString(m.path("proj/file"))).isEqualTo("data");
    UserDefinedFileAttributeView x =
        Files.getFileAttributeView(m.path("victim"), UserDefinedFileAttributeView.class);
    assertThat(x.list()).containsExactly("big");
    assertThat(x.size("big")).isEqualTo(5103);

    m.reopen(); // unmounted (a sync) and mounted again: all of it was made durable
    assertThat(Files.readString(m.path("work.txt"))).isEqualTo("important");
    assertThat(Files.readString(m.path("proj/file"))).isEqualTo("data");
    assertThat(
            Files.getFileAttributeView(m.path("victim"), UserDefinedFileAttributeView.class)
                .size("big"))
        .isEqualTo(5103);
  }

  @Test
  void refusedCallsOfEveryKindLeaveTheHeldChanges() throws Exception {
    Files.writeString(m.path("kept"), "held");
    Files.createDirectories(m.path("d/sub"));
    MountedSnapshot.Run rmdir = MountedSnapshot.run("rmdir " + m.path("d"));
    assertThat(rmdir.exit()).isNotZero();
    MountedSnapshot.Run mkdir = MountedSnapshot.run("mkdir " + m.path("d"));
    assertThat(mkdir.exit()).isNotZero();
    MountedSnapshot.Run link = MountedSnapshot.run("ln " + m.path("d") + " " + m.path("dl"));
    assertThat(link.exit()).isNotZero();
    assertThat(Files.readString(m.path("kept"))).isEqualTo("held");
    assertThat(m.path("d/sub")).isDirectory();
    m.reopen();
    assertThat(Files.readString(m.path("kept"))).isEqualTo("held");
    assertThat(m.path("d/sub")).isDirectory();
  }
}

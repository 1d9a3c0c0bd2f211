package io.strata.store.faultfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fault file system itself: it is what the crash tests trust, so it is tested first. */
@Timeout(30)
class FaultFileSystemTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(Path p, String s, boolean force) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(bytes(s)));
      if (force) {
        ch.force(true);
      }
    }
  }

  private static void append(Path p, String s, boolean force) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(bytes(s)));
      if (force) {
        ch.force(false);
      }
    }
  }

  private static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static String read(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @EnumSource(names = {"STRICT", "JOURNALED"})
  void aWriteNotForcedIsGoneAfterACrash(CrashModel model) throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(model, 1);
    Path root = fs.root();
    Path f = root.resolve("f");
    write(f, "durable", true);
    syncDir(root);
    append(f, "+lost", false);
    assertThat(read(f)).isEqualTo("durable+lost");
    fs.crash();
    assertThat(read(f)).isEqualTo("durable");
  }

  @ParameterizedTest
  @EnumSource(names = {"STRICT", "JOURNALED"})
  void aForcedWriteStays(CrashModel model) throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(model, 1);
    Path root = fs.root();
    Path f = root.resolve("f");
    write(f, "one", true);
    syncDir(root);
    append(f, "two", true);
    fs.crash();
    assertThat(read(f)).isEqualTo("onetwo");
  }

  @Test
  void aTruncationNotForcedIsUndone() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path f = root.resolve("f");
    write(f, "0123456789", true);
    syncDir(root);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(4);
    }
    assertThat(read(f)).isEqualTo("0123");
    fs.crash();
    assertThat(read(f)).isEqualTo("0123456789");
  }

  @Test
  void aRenameWithoutADirectoryFsyncIsUndone() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path target = root.resolve("index");
    Path tmp = root.resolve("index.tmp");
    write(target, "old", true);
    syncDir(root);
    write(tmp, "new", true);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    assertThat(read(target)).isEqualTo("new");
    fs.crash();
    assertThat(read(target)).isEqualTo("old");
    // index.tmp was never made durable in the directory either.
    assertThat(Files.exists(tmp)).isFalse();
  }

  @Test
  void aRenameFollowedByADirectoryFsyncStays() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path target = root.resolve("index");
    Path tmp = root.resolve("index.tmp");
    write(target, "old", true);
    syncDir(root);
    write(tmp, "new", true);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    syncDir(root);
    fs.crash();
    assertThat(read(target)).isEqualTo("new");
    assertThat(Files.exists(tmp)).isFalse();
  }

  @Test
  void aRenamedFileNeverForcedComesBackEmptyUnderTheJournal() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    Path root = fs.root();
    Path target = root.resolve("config");
    write(root.resolve("config.tmp"), "format=1", false);
    Files.move(root.resolve("config.tmp"), target, StandardCopyOption.ATOMIC_MOVE);
    syncDir(root);
    fs.crash();
    assertThat(Files.exists(target)).isTrue();
    assertThat(read(target)).isEmpty();
  }

  @Test
  void aCreateNeedsItsDirectoryFsyncUnderStrict() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path f = root.resolve("pack");
    write(f, "records", true);
    fs.crash();
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  void anyFsyncCommitsEarlierCreatesUnderTheJournal() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED, 1);
    Path root = fs.root();
    Files.createDirectories(root.resolve("a/b"));
    write(root.resolve("a/b/unforced"), "data", false);
    write(root.resolve("other"), "x", true);
    Files.createDirectory(root.resolve("after"));
    fs.crash();
    assertThat(Files.exists(root.resolve("a/b/unforced"))).isTrue();
    assertThat(read(root.resolve("a/b/unforced"))).isEmpty();
    assertThat(read(root.resolve("other"))).isEqualTo("x");
    assertThat(Files.exists(root.resolve("after"))).isFalse();
  }

  @Test
  void aNewDirectoryNeedsItsParentFsyncUnderStrict() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path dir = root.resolve("chunks");
    Files.createDirectory(dir);
    write(dir.resolve("f"), "x", true);
    syncDir(dir);
    fs.crash();
    assertThat(Files.exists(dir)).isFalse();

    Files.createDirectory(dir);
    syncDir(root);
    write(dir.resolve("f"), "x", true);
    syncDir(dir);
    fs.crash();
    assertThat(read(dir.resolve("f"))).isEqualTo("x");
  }

  @Test
  void aDeleteWithoutADirectoryFsyncIsUndone() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path f = root.resolve("f");
    write(f, "x", true);
    syncDir(root);
    Files.delete(f);
    assertThat(Files.exists(f)).isFalse();
    fs.crash();
    assertThat(read(f)).isEqualTo("x");
    Files.delete(f);
    syncDir(root);
    fs.crash();
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  void theNthWriteFailsWithEnospcAndChangesNothing() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path f = fs.root().resolve("f");
    fs.resetCounters();
    fs.failNth(OpKind.WRITE, 2, IoError.ENOSPC);
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes("one")));
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(bytes("two"))))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("No space left on device");
      // Once only.
      ch.write(ByteBuffer.wrap(bytes("three")));
    }
    assertThat(read(f)).isEqualTo("onethree");
    assertThat(fs.calls(OpKind.WRITE)).isEqualTo(3);
    assertThat(fs.calls(OpKind.CREATE)).isEqualTo(1);
  }

  @Test
  void theNthForceAndRenameFailWithEio() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    fs.resetCounters();
    fs.failNth(OpKind.FORCE, 1, IoError.EIO);
    fs.failNth(OpKind.RENAME, 1, IoError.EIO);
    assertThatThrownBy(() -> write(root.resolve("a"), "x", true))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("Input/output error");
    assertThatThrownBy(() -> Files.move(root.resolve("a"), root.resolve("b")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Input/output error");
    assertThat(Files.exists(root.resolve("a"))).isTrue();
    assertThat(Files.exists(root.resolve("b"))).isFalse();
  }

  @Test
  void aPredicateFailsEveryCallItMatches() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    fs.failWhen(op -> op.kind() == OpKind.CREATE && op.path().endsWith(".tmp"), IoError.ENOSPC);
    assertThatThrownBy(() -> write(root.resolve("x.tmp"), "x", false))
        .hasMessageContaining("No space left on device");
    assertThatThrownBy(() -> write(root.resolve("y.tmp"), "x", false))
        .hasMessageContaining("No space left on device");
    write(root.resolve("z"), "x", false);
    fs.clearFaults();
    write(root.resolve("x.tmp"), "x", false);
  }

  @Test
  void aShortWriteWritesSomeBytesThenTheNextWriteFails() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path f = fs.root().resolve("log");
    fs.shortWriteOnce(op -> op.kind() == OpKind.WRITE, 3, IoError.ENOSPC);
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer bb = ByteBuffer.wrap(bytes("abcdef"));
      assertThat(ch.write(bb)).isEqualTo(3);
      assertThatThrownBy(() -> ch.write(bb)).hasMessage("No space left on device");
      assertThat(ch.write(bb)).isEqualTo(3);
    }
    assertThat(read(f)).isEqualTo("abcdef");
  }

  @Test
  void aLockIsExclusiveInTheJvmAndGoneAfterACrash() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path f = fs.root().resolve("LOCK");
    FileChannel a =
        FileChannel.open(
            f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    assertThat(a.tryLock()).isNotNull();
    try (FileChannel b = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      assertThatThrownBy(b::tryLock).isInstanceOf(OverlappingFileLockException.class);
    }
    fs.syncAll();
    fs.crash();
    try (FileChannel c = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      assertThat(c.tryLock()).isNotNull();
    }
    a.close();
  }

  @Test
  void calledPointsAreNumberedInATrace() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    fs.resetCounters();
    // createDirectories of an existing directory and an open of an existing file do not count.
    Files.createDirectories(root);
    write(root.resolve("f"), "abc", true);
    write(root.resolve("f"), "abc", false);
    Files.move(root.resolve("f"), root.resolve("g"));
    syncDir(root);
    Files.delete(root.resolve("g"));
    assertThat(fs.trace().stream().map(op -> op.kind()).toList())
        .containsExactly(
            OpKind.CREATE,
            OpKind.WRITE,
            OpKind.FORCE,
            OpKind.TRUNCATE,
            OpKind.WRITE,
            OpKind.RENAME,
            OpKind.DIR_SYNC,
            OpKind.DELETE);
    assertThat(fs.trace().get(5).path()).isEqualTo(root + "/f -> " + root + "/g");
    assertThat(fs.calls()).isEqualTo(8);
  }

  @Test
  void aPowerCutFailsTheCallAndEveryLaterOneUntilTheCrash() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path f = root.resolve("f");
    write(f, "a", true);
    syncDir(root);
    fs.resetCounters();
    fs.cutPowerAt(2);
    FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    ch.write(ByteBuffer.wrap(bytes("b")));
    assertThatThrownBy(() -> ch.force(true)).hasMessage("Input/output error");
    assertThat(fs.powerOff()).isTrue();
    assertThatThrownBy(() -> read(f)).hasMessageContaining("Input/output error");
    assertThatThrownBy(() -> Files.size(f)).hasMessageContaining("Input/output error");
    fs.crash();
    assertThat(fs.powerOff()).isFalse();
    assertThat(read(f)).isEqualTo("a");
    // A handle from before the cut is dead.
    assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(bytes("c"))))
        .hasMessage("Input/output error");
    ch.close();
  }

  @Test
  void aFullDiskWritesWhatFitsThenFailsUntilSpaceIsFreed() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    fs.diskBudget(10);
    Path a = root.resolve("a");
    try (FileChannel ch =
        FileChannel.open(a, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer bb = ByteBuffer.wrap(bytes("0123456789abc"));
      assertThat(ch.write(bb)).isEqualTo(10);
      assertThatThrownBy(() -> ch.write(bb))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("No space left on device");
      // Overwriting in place needs no space.
      assertThat(ch.write(ByteBuffer.wrap(bytes("XY")), 0)).isEqualTo(2);
    }
    assertThat(fs.usedBytes()).isEqualTo(10);
    assertThatThrownBy(() -> write(root.resolve("b"), "b", false))
        .hasMessage("No space left on device");
    try (FileChannel ch = FileChannel.open(a, StandardOpenOption.WRITE)) {
      ch.truncate(6);
    }
    write(root.resolve("b"), "bbbb", false);
    assertThat(fs.usedBytes()).isEqualTo(10);
    Files.delete(a);
    assertThat(fs.usedBytes()).isEqualTo(4);
    // A rename over a file frees the file it replaces.
    write(root.resolve("c"), "cc", false);
    Files.move(root.resolve("c"), root.resolve("b"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(fs.usedBytes()).isEqualTo(2);
  }

  @Test
  void tornWritesKeepAPrefixOfTheUnforcedWrites() throws IOException {
    Set<String> seen = new HashSet<>();
    String durable = "D".repeat(100);
    List<String> writes = List.of("a".repeat(600), "b".repeat(700), "c".repeat(10));
    for (long seed = 0; seed < 60; seed++) {
      FaultFileSystem fs = FaultFileSystem.create(CrashModel.JOURNALED_TORN, seed);
      Path f = fs.root().resolve("log");
      write(f, durable, true);
      for (String w : writes) {
        append(f, w, false);
      }
      fs.crash();
      String after = read(f);
      seen.add(after);
      // The durable part and then a prefix of what followed, nothing else.
      assertThat((durable + String.join("", writes))).startsWith(after);
      assertThat(after).startsWith(durable);
    }
    assertThat(seen.size()).as("distinct torn outcomes").isGreaterThan(3);
  }

  @Test
  void filesApiWorksThroughTheProviderAndEscapesFail() throws IOException {
    FaultFileSystem fs = FaultFileSystem.create(CrashModel.STRICT, 1);
    Path root = fs.root();
    Path dir = Files.createDirectories(root.resolve("x/y/z"));
    Files.write(dir.resolve("f1"), bytes("hello"));
    Files.writeString(dir.resolve("f2"), "world");
    assertThat(Files.size(dir.resolve("f1"))).isEqualTo(5);
    assertThat(Files.isDirectory(dir)).isTrue();
    assertThat(Files.isRegularFile(dir.resolve("f2"))).isTrue();
    assertThat(Files.exists(dir.resolve("nope"))).isFalse();
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("f1", "f2");
    }
    try (Stream<Path> s = Files.walk(root)) {
      assertThat(s.count()).isEqualTo(6);
    }
    try (var in = Files.newInputStream(dir.resolve("f2"))) {
      assertThat(in.readAllBytes()).isEqualTo(bytes("world"));
    }
    assertThatThrownBy(() -> Files.createDirectory(dir))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> Files.size(root.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> Files.newOutputStream(root.resolve("missing/f")))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(Files.deleteIfExists(dir.resolve("f1"))).isTrue();
    assertThat(Files.deleteIfExists(dir.resolve("f1"))).isFalse();
    assertThatThrownBy(() -> dir.toFile()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> dir.resolve(Path.of("a")))
        .isInstanceOf(ProviderMismatchException.class);
    // A real-disk path of the same name does not exist: an escape fails rather than writing there.
    assertThat(Files.exists(Path.of(dir.toString()))).isFalse();
  }
}

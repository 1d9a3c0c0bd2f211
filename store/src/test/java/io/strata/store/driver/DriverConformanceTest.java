package io.strata.store.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every storage driver must do, after containerd's snapshots/testsuite plus Strata's file
 * semantics, persistence and bad input. A driver module runs it with a subclass that names its
 * provider. Every case gets a fresh store in its own directory.
 */
public abstract class DriverConformanceTest {
  @TempDir protected Path dir;
  protected DriverFixture fixture;
  protected StorageDriver driver;

  /** The driver under test. */
  protected abstract StorageDriverProvider provider();

  /**
   * The key of the snapshot a row of {@link StorageDriver#nativeListing} stands for, or null for a
   * row that stands for none (a pool): the row's {@code key} unless the driver names it otherwise.
   */
  protected String listedKey(Map<String, Object> row) {
    return (String) row.get("key");
  }

  @BeforeEach
  void openDriver() throws IOException {
    fixture = new DriverFixture(dir, provider());
    driver = fixture.driver();
  }

  @AfterEach
  void closeDriver() throws IOException {
    fixture.close();
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static void put(FileSystemView fs, String path, String content) throws IOException {
    fs.writeFile(path, new ByteArrayInputStream(bytes(content)), 0644, 0, 0, 0);
  }

  protected static String cat(FileSystemView fs, String path) throws IOException {
    try (var in = fs.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A committed base layer: /etc/hosts, /bin/sh, /usr/share/doc/a, /link → /etc/hosts. */
  protected String base() throws IOException {
    driver.prepare("base-active", null, Map.of());
    FileSystemView fs = driver.fs("base-active");
    fs.mkdirs("/etc", 0755);
    fs.mkdirs("/bin", 0755);
    fs.mkdirs("/usr/share/doc", 0755);
    put(fs, "/etc/hosts", "127.0.0.1 localhost\n");
    put(fs, "/bin/sh", "#!shell");
    put(fs, "/usr/share/doc/a", "doc a");
    fs.symlink("/etc/hosts", "/link");
    driver.commit("base", "base-active");
    return "base";
  }

  // ---- snapshot lifecycle (containerd) ----

  @Test
  void prepareCommitAndStat() throws IOException {
    SnapshotInfo a = driver.prepare("a", null, Map.of("role", "test"));
    assertThat(a.kind()).isEqualTo(Kind.ACTIVE);
    assertThat(a.parent()).isNull();
    assertThat(a.labels()).containsEntry("role", "test");
    assertThat(driver.fs("a").readOnly()).isFalse();
    put(driver.fs("a"), "/f", "hello");
    SnapshotInfo c = driver.commit("c", "a");
    assertThat(c.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(driver.stat("c").kind()).isEqualTo(Kind.COMMITTED);
    assertThatThrownBy(() -> driver.stat("a")).isInstanceOf(NotFoundException.class);
    assertThat(cat(driver.fs("c"), "/f")).isEqualTo("hello");
    assertThat(driver.fs("c").readOnly()).isTrue();
  }

  @Test
  void aChainSeesItsParentAndChangesOnlyItself() throws IOException {
    String base = base();
    driver.prepare("child", base, Map.of());
    FileSystemView child = driver.fs("child");
    assertThat(cat(child, "/etc/hosts")).isEqualTo("127.0.0.1 localhost\n");
    put(child, "/etc/hosts", "changed");
    child.remove("/bin/sh", false);
    put(child, "/new", "n");
    FileSystemView parent = driver.fs(base);
    assertThat(cat(parent, "/etc/hosts")).isEqualTo("127.0.0.1 localhost\n");
    assertThat(parent.exists("/bin/sh")).isTrue();
    assertThat(parent.exists("/new")).isFalse();
    assertThat(child.exists("/bin/sh")).isFalse();
    driver.commit("layer2", "child");
    driver.prepare("grandchild", "layer2", Map.of());
    assertThat(cat(driver.fs("grandchild"), "/etc/hosts")).isEqualTo("changed");
    assertThat(driver.fs("grandchild").exists("/bin/sh")).isFalse();
    assertThat(cat(driver.fs("grandchild"), "/usr/share/doc/a")).isEqualTo("doc a");
  }

  @Test
  void removalRules() throws IOException {
    String base = base();
    driver.prepare("child", base, Map.of());
    assertThatThrownBy(() -> driver.remove(base)).isInstanceOf(ConflictException.class);
    driver.remove("child");
    driver.remove(base);
    assertThatThrownBy(() -> driver.remove(base)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver.fs(base)).isInstanceOf(NotFoundException.class);
    List<SnapshotInfo> left = new ArrayList<>();
    driver.walk(left::add);
    assertThat(left).isEmpty();
  }

  @Test
  void viewsAreReadOnlyAndCannotBeCommitted() throws IOException {
    String base = base();
    driver.view("v", base, Map.of());
    assertThat(driver.stat("v").kind()).isEqualTo(Kind.VIEW);
    FileSystemView v = driver.fs("v");
    assertThat(v.readOnly()).isTrue();
    assertThat(cat(v, "/etc/hosts")).startsWith("127.0.0.1");
    assertThatThrownBy(() -> put(v, "/x", "x")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> driver.commit("vc", "v")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> put(driver.fs(base), "/x", "x")).isInstanceOf(ConflictException.class);
    // A view of nothing is an empty read-only tree, as in containerd.
    driver.view("v2", null, Map.of());
    assertThat(driver.fs("v2").list("/")).isEmpty();
    assertThatThrownBy(() -> put(driver.fs("v2"), "/x", "x")).isInstanceOf(ConflictException.class);
  }

  @Test
  void labelsAndTimesFollowContainerdRules() throws IOException {
    driver.prepare("a", null, Map.of("l", "1"));
    SnapshotInfo active = driver.stat("a");
    assertThat(active.updated()).isEqualTo(active.created());
    SnapshotInfo c = driver.commit("c", "a", Map.of("m", "2"));
    assertThat(c.labels()).isEqualTo(Map.of("m", "2"));
    assertThat(c.created()).isEqualTo(c.updated()).isAfterOrEqualTo(active.created());
    SnapshotInfo r = driver.relabel("c", Map.of("n", "3"));
    assertThat(r.labels()).isEqualTo(Map.of("n", "3"));
    assertThat(r.created()).isEqualTo(c.created());
    assertThat(r.updated()).isAfterOrEqualTo(c.updated());
    assertThat(driver.stat("c")).isEqualTo(r);
    driver.prepare("b", null, Map.of("k", "v"));
    assertThat(driver.commit("d", "b").labels()).isEqualTo(Map.of("k", "v"));
    assertThatThrownBy(() -> driver.relabel("nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void cloneCommitsACopyUnderANewParent() throws IOException {
    driver.prepare("p-a", null, Map.of());
    driver.commit("p", "p-a");
    driver.prepare("src-a", null, Map.of());
    put(driver.fs("src-a"), "/f", "layer");
    driver.commit("src", "src-a");
    SnapshotInfo c = driver.clone("copy", "src", "p", Map.of("l", "v"));
    assertThat(c.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(c.parent()).isEqualTo("p");
    assertThat(c.labels()).isEqualTo(Map.of("l", "v"));
    assertThat(cat(driver.fs("copy"), "/f")).isEqualTo("layer");
    List<String> keys = new java.util.ArrayList<>();
    driver.walk(i -> keys.add(i.key()));
    assertThat(keys).containsExactlyInAnyOrder("p", "src", "copy");
    assertThatThrownBy(() -> driver.remove("p")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> driver.clone("copy", "src", "p", Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> driver.clone("x", "nope", null, Map.of()))
        .isInstanceOf(NotFoundException.class);
    driver.prepare("act", null, Map.of());
    assertThatThrownBy(() -> driver.clone("x", "act", null, Map.of()))
        .isInstanceOf(ConflictException.class);
  }

  @Test
  void badParentsAndKeysAreRefused() throws IOException {
    driver.prepare("active", null, Map.of());
    assertThatThrownBy(() -> driver.prepare("x", "active", Map.of()))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> driver.prepare("x", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver.prepare("active", null, Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> driver.prepare("", null, Map.of()))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> driver.prepare("a\nb", null, Map.of()))
        .isInstanceOf(InvalidArgumentException.class);
    driver.prepare("other", null, Map.of());
    driver.commit("done", "other");
    assertThatThrownBy(() -> driver.commit("done", "active"))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> driver.commit("again", "done")).isInstanceOf(ConflictException.class);
  }

  @Test
  void walkListsEverySnapshotByKey() throws IOException {
    String base = base();
    driver.prepare("b", base, Map.of());
    driver.view("a", base, Map.of());
    List<String> keys = new ArrayList<>();
    driver.walk(i -> keys.add(i.key()));
    assertThat(keys).containsExactly("a", "b", "base");
  }

  @Test
  void usageSeparatesExclusiveFromShared() throws IOException {
    driver.prepare("p", null, Map.of());
    driver
        .fs("p")
        .writeFile("/big", new ByteArrayInputStream(TestData.random(1, 2 << 20)), 0644, 0, 0, 0);
    driver.commit("parent", "p");
    driver.prepare("c", "parent", Map.of());
    Usage before = driver.usage("c");
    assertThat(before.sharedBytes()).isGreaterThanOrEqualTo(2 << 20);
    byte[] data = TestData.random(2, 1 << 20);
    driver.fs("c").writeFile("/mine", new ByteArrayInputStream(data), 0644, 0, 0, 0);
    Usage after = driver.usage("c");
    assertThat(after.exclusiveBytes()).isGreaterThanOrEqualTo(1 << 20);
    assertThat(after.exclusiveBytes()).isLessThan((1 << 20) + (256 << 10));
    assertThat(driver.usage("parent").exclusiveBytes()).isLessThan(64 << 10);
  }

  @Test
  void aHundredThousandFileTree() throws IOException {
    driver.prepare("big", null, Map.of());
    FileSystemView fs = driver.fs("big");
    fs.deferSync(true);
    for (int d = 0; d < 100; d++) {
      fs.mkdir("/d" + d, 0755);
      for (int f = 0; f < 1000; f++) {
        String p = "/d" + d + "/f" + f;
        if (f % 100 == 0) {
          put(fs, p, "content " + d + "/" + f);
        } else {
          fs.write(p, 0, new byte[0], 0, 0);
        }
      }
    }
    fs.deferSync(false);
    driver.commit("big-c", "big");
    driver.prepare("big-child", "big-c", Map.of());
    FileSystemView child = driver.fs("big-child");
    assertThat(child.list("/d57")).hasSize(1000);
    assertThat(cat(child, "/d99/f900")).isEqualTo("content 99/900");
    child.remove("/d3", true);
    assertThat(driver.diff("big-child", "big-c")).hasSize(1001);
    assertThat(driver.fs("big-c").list("/d3")).hasSize(1000);
  }

  @Test
  void concurrentSnapshotsOfOneParent() throws Exception {
    String base = base();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> work = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String key = "c" + i;
      int n = i;
      work.add(
          pool.submit(
              () -> {
                driver.prepare(key, base, Map.of());
                FileSystemView fs = driver.fs(key);
                put(fs, "/etc/hosts", "mine " + n);
                put(fs, "/only-" + n, "x");
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get();
    }
    pool.shutdown();
    for (int i = 0; i < 8; i++) {
      FileSystemView fs = driver.fs("c" + i);
      assertThat(cat(fs, "/etc/hosts")).isEqualTo("mine " + i);
      for (int j = 0; j < 8; j++) {
        assertThat(fs.exists("/only-" + j)).isEqualTo(i == j);
      }
    }
    assertThat(cat(driver.fs(base), "/etc/hosts")).startsWith("127.0.0.1");
  }

  /**
   * Readers of one snapshot run beside a writer and see every change whole: a file replaced,
   * truncated and rewritten, and names renamed, each in one call; a read or listing that saw half a
   * change (a size without its content, a directory between the two halves of a rename) fails.
   */
  @Test
  @Timeout(120)
  void readersSeeEveryChangeWholeWhileAWriterWorks() throws Exception {
    driver.prepare("busy", null, Map.of());
    FileSystemView fs = driver.fs("busy");
    int names = 16;
    fs.mkdirs("/names", 0755);
    for (int i = 0; i < names; i++) {
      put(fs, "/names/a" + i, "x");
    }
    fs.overwrite("/gen", new ByteArrayInputStream(generation(0)), 0);
    fs.write("/cut", 0, cutPattern(), 0, CUT_LONG);
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Integer>> readers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      readers.add(
          pool.submit(
              () -> {
                byte[] buf = new byte[GEN_MAX + 1];
                int rounds = 0;
                do {
                  checkGeneration(buf, fs.read("/gen", 0, buf, 0, buf.length));
                  checkCut(buf, fs.read("/cut", 0, buf, 0, buf.length));
                  List<DirEntry> listed = fs.list("/names");
                  assertThat(listed).as("entries during renames").hasSize(names);
                  assertThat(listed.stream().map(e -> e.name().substring(1)).distinct())
                      .hasSize(names);
                  long size = fs.stat("/gen").size();
                  assertThat(size % GEN_STEP).as("size of /gen").isEqualTo(GEN_MIN % GEN_STEP);
                  rounds++;
                } while (!done.get());
                return rounds;
              }));
    }
    Future<?> writer =
        pool.submit(
            () -> {
              try {
                for (int r = 1; r <= 120; r++) {
                  fs.overwrite("/gen", new ByteArrayInputStream(generation(r)), r);
                  fs.truncate("/cut", 1 + (r * 7919L) % (CUT_SHORT - 1));
                  fs.write("/cut", 0, cutPattern(), 0, CUT_LONG - (r % 3) * 20_000);
                  int k = r % names;
                  if (fs.exists("/names/a" + k)) {
                    fs.rename("/names/a" + k, "/names/b" + k);
                  } else {
                    fs.rename("/names/b" + k, "/names/a" + k);
                  }
                }
              } finally {
                done.set(true);
              }
              return null;
            });
    writer.get();
    for (Future<Integer> r : readers) {
      assertThat(r.get()).isPositive();
    }
    pool.shutdown();
    byte[] buf = new byte[GEN_MAX + 1];
    assertThat(fs.read("/gen", 0, buf, 0, buf.length)).isEqualTo(generation(120).length);
    checkGeneration(buf, generation(120).length);
  }

  private static final int GEN_MIN = 30_000;
  private static final int GEN_STEP = 70_000;
  private static final int GEN_MAX = GEN_MIN + 4 * GEN_STEP;
  private static final int CUT_SHORT = 60_000;
  private static final int CUT_LONG = 110_000;

  /** Generation {@code g} of a file: its length and every byte say which it is. */
  private static byte[] generation(int g) {
    byte[] b = new byte[GEN_MIN + (g % 5) * GEN_STEP];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) ((g + i) % 251);
    }
    return b;
  }

  private static void checkGeneration(byte[] buf, int n) {
    int g = buf[0] & 0xFF;
    assertThat(n).as("length of generation " + g).isEqualTo(GEN_MIN + (g % 5) * GEN_STEP);
    for (int i = 0; i < n; i++) {
      if (buf[i] != (byte) ((g + i) % 251)) {
        throw new AssertionError("generation " + g + ": byte " + i + " is " + buf[i]);
      }
    }
  }

  /** The content of the file cut and rewritten: never a zero, so a hole shows. */
  private static byte[] cutPattern() {
    byte[] b = new byte[CUT_LONG];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i % 253 + 1);
    }
    return b;
  }

  private static void checkCut(byte[] buf, int n) {
    assertThat(n).as("length of /cut").isPositive().isLessThanOrEqualTo(CUT_LONG);
    for (int i = 0; i < n; i++) {
      if (buf[i] != (byte) (i % 253 + 1)) {
        throw new AssertionError("/cut of " + n + " bytes: byte " + i + " is " + buf[i]);
      }
    }
  }

  // ---- file semantics ----

  @Test
  void writesAtOffsetsHolesAndTruncate() throws IOException {
    driver.prepare("w", null, Map.of());
    FileSystemView fs = driver.fs("w");
    byte[] model = new byte[0];
    long[][] writes = {{0, 5000}, {100_000, 10}, {4090, 20}, {1 << 20, 70_000}, {3, 1}};
    int seed = 0;
    for (long[] w : writes) {
      byte[] data = TestData.random(seed++, (int) w[1]);
      fs.write("/f", w[0], data, 0, data.length);
      int end = (int) Math.max(model.length, w[0] + w[1]);
      model = Arrays.copyOf(model, end);
      System.arraycopy(data, 0, model, (int) w[0], data.length);
    }
    assertThat(fs.stat("/f").size()).isEqualTo(model.length);
    assertThat(readAll(fs, "/f")).isEqualTo(model);
    byte[] slice = new byte[300];
    assertThat(fs.read("/f", 99_900, slice, 0, 300)).isEqualTo(300);
    assertThat(slice).isEqualTo(Arrays.copyOfRange(model, 99_900, 100_200));
    fs.truncate("/f", 4100);
    model = Arrays.copyOf(model, 4100);
    assertThat(readAll(fs, "/f")).isEqualTo(model);
    fs.truncate("/f", 10_000);
    model = Arrays.copyOf(model, 10_000);
    assertThat(readAll(fs, "/f")).isEqualTo(model);
    assertThat(fs.read("/f", 10_000, slice, 0, 10)).isEqualTo(-1);
  }

  private static byte[] readAll(FileSystemView fs, String path) throws IOException {
    try (var in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  @Test
  void directories() throws IOException {
    driver.prepare("d", null, Map.of());
    FileSystemView fs = driver.fs("d");
    fs.mkdir("/a", 0750);
    assertThat(fs.stat("/a").isDirectory()).isTrue();
    assertThat(fs.stat("/a").permissions()).isEqualTo(0750);
    assertThatThrownBy(() -> fs.mkdir("/a", 0755)).isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> fs.mkdir("/x/y", 0755)).isInstanceOf(NotFoundException.class);
    fs.mkdirs("/a/b/c", 0755);
    put(fs, "/a/b/c/f", "f");
    put(fs, "/a/z", "z");
    assertThat(fs.list("/a")).extracting(DirEntry::name).containsExactly("b", "z");
    assertThatThrownBy(() -> fs.remove("/a", false)).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> fs.list("/a/z")).isInstanceOf(InvalidArgumentException.class);
    fs.remove("/a", true);
    assertThat(fs.exists("/a")).isFalse();
    assertThat(fs.list("/")).isEmpty();
    assertThatThrownBy(() -> fs.remove("/", true)).isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void renames() throws IOException {
    driver.prepare("r", null, Map.of());
    FileSystemView fs = driver.fs("r");
    fs.mkdirs("/a/b", 0755);
    put(fs, "/a/b/f", "f");
    put(fs, "/g", "g");
    fs.rename("/a/b/f", "/a/f2");
    assertThat(cat(fs, "/a/f2")).isEqualTo("f");
    assertThat(fs.exists("/a/b/f")).isFalse();
    fs.rename("/g", "/a/f2");
    assertThat(cat(fs, "/a/f2")).isEqualTo("g");
    fs.rename("/a", "/moved");
    assertThat(fs.exists("/moved/b")).isTrue();
    assertThatThrownBy(() -> fs.rename("/moved", "/moved/b/inside"))
        .isInstanceOf(InvalidArgumentException.class);
    put(fs, "/file", "x");
    assertThatThrownBy(() -> fs.rename("/file", "/moved")).isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> fs.rename("/nope", "/x")).isInstanceOf(NotFoundException.class);
  }

  /**
   * A path names whatever its directories are now: after a directory is renamed, removed and made
   * again, replaced by a symlink, or created in a change that was discarded, a write under its old
   * path lands in what the path names now. A file system that remembers resolved directories, to
   * walk fewer paths from the root, must forget them when they change.
   */
  @Test
  void pathsFollowDirectoriesReplacedUnderThem() throws IOException {
    driver.prepare("p", null, Map.of());
    FileSystemView fs = driver.fs("p");
    fs.mkdirs("/a/b", 0755);
    put(fs, "/a/b/one", "1");
    fs.rename("/a/b", "/a/old");
    fs.mkdir("/a/b", 0755);
    put(fs, "/a/b/two", "2");
    assertThat(fs.exists("/a/old/two")).isFalse();
    assertThat(cat(fs, "/a/old/one")).isEqualTo("1");
    assertThat(fs.list("/a/b")).extracting(DirEntry::name).containsExactly("two");

    fs.remove("/a/b", true);
    fs.mkdirs("/t", 0755);
    fs.symlink("/t", "/a/b");
    put(fs, "/a/b/three", "3");
    assertThat(cat(fs, "/t/three")).isEqualTo("3");

    fs.mkdirs("/d", 0755);
    put(fs, "/d/kept", "k");
    fs.deferSync(true);
    fs.remove("/d", true);
    fs.mkdir("/d", 0700);
    put(fs, "/d/dropped", "x");
    fs.discard();
    fs.deferSync(false);
    put(fs, "/d/after", "a");
    assertThat(fs.list("/d")).extracting(DirEntry::name).containsExactly("after", "kept");
    assertThat(fs.stat("/d").permissions()).isEqualTo(0755);
  }

  @Test
  void symlinksResolveInsideTheSnapshot() throws IOException {
    driver.prepare("s", null, Map.of());
    FileSystemView fs = driver.fs("s");
    fs.mkdirs("/etc", 0755);
    put(fs, "/etc/passwd", "root");
    fs.symlink("/etc", "/abs");
    fs.symlink("../../../../etc/passwd", "/escape");
    fs.symlink("loop2", "/loop1");
    fs.symlink("loop1", "/loop2");
    assertThat(fs.stat("/abs").isSymlink()).isTrue();
    assertThat(fs.readlink("/abs")).isEqualTo("/etc");
    assertThat(cat(fs, "/abs/passwd")).isEqualTo("root");
    // ".." in a symlink target stops at the snapshot's root, as in a chroot.
    assertThat(cat(fs, "/escape")).isEqualTo("root");
    assertThatThrownBy(() -> cat(fs, "/loop1")).isInstanceOf(InvalidArgumentException.class);
    fs.remove("/abs", false);
    assertThat(fs.exists("/etc/passwd")).isTrue();
  }

  @Test
  void hardLinksShareContent() throws IOException {
    driver.prepare("h", null, Map.of());
    FileSystemView fs = driver.fs("h");
    put(fs, "/a", "shared");
    fs.link("/a", "/b");
    assertThat(fs.stat("/a").nlink()).isEqualTo(2);
    assertThat(fs.stat("/b").ino()).isEqualTo(fs.stat("/a").ino());
    byte[] x = bytes("X");
    fs.write("/b", 0, x, 0, 1);
    assertThat(cat(fs, "/a")).isEqualTo("Xhared");
    fs.remove("/a", false);
    assertThat(cat(fs, "/b")).isEqualTo("Xhared");
    assertThat(fs.stat("/b").nlink()).isEqualTo(1);
    fs.mkdir("/dir", 0755);
    assertThatThrownBy(() -> fs.link("/dir", "/dir2")).isInstanceOf(InvalidArgumentException.class);
  }

  /** A whole-file write keeps the inode, so every hard link sees it (issue #14 item 6). */
  @Test
  void overwriteKeepsTheInodeSoEveryHardLinkSeesTheNewContent() throws IOException {
    driver.prepare("o", null, Map.of());
    FileSystemView fs = driver.fs("o");
    put(fs, "/a", "the old content, longer than the new");
    fs.chmod("/a", 0600);
    fs.chown("/a", 7, 8);
    fs.setXattr("/a", "user.k", bytes("v"));
    fs.link("/a", "/b");
    fs.symlink("b", "/s");
    long ino = fs.stat("/a").ino();

    fs.overwrite("/s", new ByteArrayInputStream(bytes("new")), 5_000_000_000L);

    assertThat(cat(fs, "/a")).isEqualTo("new");
    assertThat(cat(fs, "/b")).isEqualTo("new");
    FileStat st = fs.stat("/a");
    assertThat(List.of(st.ino(), (long) st.nlink(), st.size(), (long) st.permissions()))
        .containsExactly(ino, 2L, 3L, 0600L);
    assertThat(List.of(st.uid(), st.gid())).containsExactly(7, 8);
    assertThat(st.mtimeNanos()).isEqualTo(5_000_000_000L);
    assertThat(fs.getXattr("/b", "user.k")).isEqualTo(bytes("v"));
    assertThat(fs.stat("/s").isSymlink()).isTrue();

    fs.overwrite("/new", new ByteArrayInputStream(bytes("n")), 0);
    assertThat(fs.stat("/new").permissions()).isEqualTo(0644);
    assertThat(cat(fs, "/new")).isEqualTo("n");
    fs.mkdir("/d", 0755);
    assertThatThrownBy(() -> fs.overwrite("/d", new ByteArrayInputStream(bytes("x")), 0))
        .isInstanceOf(InvalidArgumentException.class);
    // a stream that fails half-way changes nothing
    java.io.InputStream failing =
        new java.io.SequenceInputStream(
            new ByteArrayInputStream(bytes("partial")),
            new java.io.InputStream() {
              @Override
              public int read() throws IOException {
                throw new IOException("the client went away");
              }
            });
    assertThatThrownBy(() -> fs.overwrite("/b", failing, 0)).isInstanceOf(IOException.class);
    assertThat(cat(fs, "/a")).isEqualTo("new");
    assertThat(fs.stat("/a").nlink()).isEqualTo(2);
  }

  @Test
  void attributesAndXattrs() throws IOException {
    driver.prepare("x", null, Map.of());
    FileSystemView fs = driver.fs("x");
    put(fs, "/f", "f");
    fs.chmod("/f", 04755);
    fs.chown("/f", 1000, 100);
    fs.setTimes("/f", 1_234_000_000_000L, 5_678_000_000_000L);
    FileStat st = fs.stat("/f");
    assertThat(st.permissions()).isEqualTo(04755);
    assertThat(st.isRegular()).isTrue();
    assertThat(st.uid()).isEqualTo(1000);
    assertThat(st.gid()).isEqualTo(100);
    assertThat(st.mtimeNanos()).isEqualTo(1_234_000_000_000L);
    assertThat(st.atimeNanos()).isEqualTo(5_678_000_000_000L);
    fs.setXattr("/f", "user.a", bytes("1"));
    fs.setXattr("/f", "security.capability", new byte[] {1, 2, 3});
    assertThat(fs.listXattrs("/f")).containsExactly("security.capability", "user.a");
    assertThat(fs.getXattr("/f", "user.a")).isEqualTo(bytes("1"));
    fs.removeXattr("/f", "user.a");
    assertThat(fs.getXattr("/f", "user.a")).isNull();
  }

  // ---- FIFOs, sockets and device nodes ----

  @Test
  void fifosSocketsAndDeviceNodesAreKept() throws IOException {
    driver.prepare("n", null, Map.of());
    FileSystemView fs = driver.fs("n");
    fs.mkdirs("/dev", 0755);
    fs.mknod("/dev/null", FileStat.S_IFCHR | 0666, FileStat.makedev(1, 3));
    fs.mknod("/dev/sda", FileStat.S_IFBLK | 0660, FileStat.makedev(8, 0));
    fs.mknod("/dev/big", FileStat.S_IFCHR | 0600, FileStat.makedev(4095, 1048575));
    fs.mknod("/fifo", FileStat.S_IFIFO | 0640, FileStat.makedev(9, 9));
    fs.mknod("/sock", FileStat.S_IFSOCK | 0755, 0);
    fs.mknod("/empty", FileStat.S_IFREG | 0600, 0);
    fs.mknod("/plain", 0644, 0);
    fs.chown("/dev/sda", 0, 6);

    FileStat nul = fs.stat("/dev/null");
    assertThat(nul.mode()).isEqualTo(0020666);
    assertThat(nul.isCharDevice()).isTrue();
    assertThat(nul.rdev()).isEqualTo(0x103L); // st_rdev as stat(1) prints it for 1:3
    assertThat(List.of(nul.devMajor(), nul.devMinor())).containsExactly(1, 3);
    FileStat sda = fs.stat("/dev/sda");
    assertThat(sda.mode()).isEqualTo(0060660);
    assertThat(List.of(sda.devMajor(), sda.devMinor(), sda.gid())).containsExactly(8, 0, 6);
    FileStat big = fs.stat("/dev/big");
    assertThat(List.of(big.devMajor(), big.devMinor())).containsExactly(4095, 1048575);
    FileStat fifo = fs.stat("/fifo");
    assertThat(fifo.mode()).isEqualTo(0010640);
    assertThat(fifo.rdev()).as("only devices keep a number").isZero();
    assertThat(fs.stat("/sock").mode()).isEqualTo(0140755);
    assertThat(fs.stat("/empty").mode()).isEqualTo(0100600);
    assertThat(fs.stat("/plain").isRegular()).isTrue();
    assertThat(fs.stat("/plain").size()).isZero();
    assertThat(fs.list("/dev"))
        .extracting(e -> e.name() + " " + Integer.toOctalString(e.stat().mode()))
        .containsExactly("big 20600", "null 20666", "sda 60660");
    assertThatThrownBy(() -> fs.read("/fifo", 0, new byte[1], 0, 1))
        .isInstanceOf(InvalidArgumentException.class);

    // renamed, hard-linked and removed like any other inode
    fs.rename("/fifo", "/dev/initctl");
    fs.link("/dev/null", "/null2");
    assertThat(fs.stat("/null2").ino()).isEqualTo(nul.ino());
    assertThat(fs.stat("/dev/null").nlink()).isEqualTo(2);
    fs.remove("/null2", false);
    assertThat(fs.stat("/dev/null").nlink()).isEqualTo(1);
    fs.remove("/sock", false);
    assertThat(fs.exists("/fifo")).isFalse();
    assertThat(fs.stat("/dev/initctl").isFifo()).isTrue();
    FileStat before = fs.stat("/dev/null");

    driver.commit("nodes", "n");
    driver = fixture.reopen();
    FileSystemView after = driver.fs("nodes");
    assertThat(after.stat("/dev/null")).isEqualTo(before);
    assertThat(after.stat("/dev/sda").rdev()).isEqualTo(FileStat.makedev(8, 0));
    assertThat(after.stat("/dev/initctl").mode()).isEqualTo(0010640);
    assertThat(after.exists("/sock")).isFalse();
  }

  @Test
  void nodesAreCopiedOnWriteAndDiffed() throws IOException {
    driver.prepare("b", null, Map.of());
    FileSystemView b = driver.fs("b");
    b.mkdirs("/dev", 0755);
    b.mknod("/dev/null", FileStat.S_IFCHR | 0666, FileStat.makedev(1, 3));
    b.mknod("/dev/zero", FileStat.S_IFCHR | 0666, FileStat.makedev(1, 5));
    b.mknod("/dev/fifo", FileStat.S_IFIFO | 0600, 0);
    driver.commit("base", "b");
    driver.prepare("c", "base", Map.of());
    FileSystemView c = driver.fs("c");
    assertThat(c.stat("/dev/zero").rdev()).isEqualTo(FileStat.makedev(1, 5));
    c.chmod("/dev/null", 0600);
    c.remove("/dev/zero", false);
    c.mknod("/dev/loop0", FileStat.S_IFBLK | 0660, FileStat.makedev(7, 0));
    c.chown("/dev/fifo", 33, 33);
    assertThat(driver.diff("c", "base"))
        .extracting(Change::toString)
        .containsExactly("C /dev", "C /dev/fifo", "A /dev/loop0", "C /dev/null", "D /dev/zero");
    FileSystemView base = driver.fs("base");
    assertThat(base.stat("/dev/null").mode()).isEqualTo(0020666);
    assertThat(base.stat("/dev/fifo").uid()).isZero();
    assertThat(base.exists("/dev/loop0")).isFalse();
    assertThat(base.stat("/dev/zero").rdev()).isEqualTo(FileStat.makedev(1, 5));
    FileStat nul = c.stat("/dev/null");
    assertThat(List.of(nul.mode(), nul.devMajor(), nul.devMinor())).containsExactly(0020600, 1, 3);
    assertThat(driver.diff("base", null))
        .extracting(Change::toString)
        .containsExactly("A /dev", "A /dev/fifo", "A /dev/null", "A /dev/zero");
  }

  @Test
  void aWholeTreeListsEveryPathDepthFirstAsADiffAgainstNothing() throws IOException {
    driver.prepare("w", null, Map.of());
    FileSystemView w = driver.fs("w");
    w.mkdirs("/a/b", 0755);
    put(w, "/a/b/f", "1");
    put(w, "/a/g", "2");
    w.mkdirs("/c", 0755);
    w.symlink("/a/g", "/z");
    assertThat(WholeTree.of(w))
        .extracting(Change::toString)
        .containsExactly("A /a", "A /a/b", "A /a/b/f", "A /a/g", "A /c", "A /z");
    assertThat(WholeTree.of(w)).containsExactlyElementsOf(driver.diff("w", null));
  }

  @Test
  void badNodesAreRefused() throws IOException {
    driver.prepare("p", null, Map.of());
    FileSystemView fs = driver.fs("p");
    fs.mknod("/f", FileStat.S_IFIFO | 0644, 0);
    assertThatThrownBy(() -> fs.mknod("/f", FileStat.S_IFIFO | 0644, 0))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> fs.mknod("/d", FileStat.S_IFDIR | 0755, 0))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> fs.mknod("/l", FileStat.S_IFLNK | 0777, 0))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> fs.mknod("/missing/f", FileStat.S_IFIFO | 0644, 0))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> fs.mknod("/f/x", FileStat.S_IFIFO | 0644, 0))
        .isInstanceOf(NotFoundException.class);
    assertThat(fs.list("/")).extracting(DirEntry::name).containsExactly("f");
    driver.view("v", commitEmpty(), Map.of());
    assertThatThrownBy(() -> driver.fs("v").mknod("/x", FileStat.S_IFIFO | 0644, 0))
        .isInstanceOf(ConflictException.class);
  }

  private String commitEmpty() throws IOException {
    driver.prepare("empty-active", null, Map.of());
    driver.commit("empty", "empty-active");
    return "empty";
  }

  @Test
  void diffListsAddedChangedAndDeletedPaths() throws IOException {
    String base = base();
    driver.prepare("c", base, Map.of());
    FileSystemView fs = driver.fs("c");
    put(fs, "/etc/hosts", "changed");
    fs.remove("/bin/sh", false);
    fs.mkdirs("/opt/app", 0755);
    put(fs, "/opt/app/run", "r");
    fs.chmod("/usr/share/doc/a", 0600);
    assertThat(driver.diff("c", base))
        .extracting(Change::toString)
        .containsExactly(
            "C /bin",
            "D /bin/sh",
            "C /etc",
            "C /etc/hosts",
            "A /opt",
            "A /opt/app",
            "A /opt/app/run",
            "C /usr/share/doc/a");
    assertThat(driver.diff(base, null)).extracting(Change::path).contains("/etc/hosts", "/link");
  }

  /**
   * A writable snapshot removed while its view holds changes for the next sync (an import cancelled
   * half way removes its unfinished layer so): the held chunks are garbage for the next gc. The
   * view's write session stayed open and kept them live until a restart (docs/ADVERSARIAL.md, U1).
   */
  @Test
  void removingASnapshotWhoseViewHoldsChangesLetsGcTakeThem() throws IOException {
    String base = base();
    driver.prepare("held", base, Map.of());
    FileSystemView fs = driver.fs("held");
    fs.deferSync(true);
    fs.writeFile("/big", new ByteArrayInputStream(TestData.random(21, 1 << 20)), 0644, 0, 0, 0);
    driver.remove("held");
    long reclaimed = fixture.chunks().gc().bytesReclaimed();
    assertThat(reclaimed).as("the held file's chunks").isGreaterThanOrEqualTo(1 << 20);
    assertThat(cat(driver.fs(base), "/etc/hosts")).startsWith("127.0.0.1");
    assertThat(fixture.chunks().fsck().damaged()).isEmpty();
  }

  @Test
  void overwrittenDataIsCollectedAndLiveDataIsNot() throws IOException {
    String base = base();
    driver.prepare("c", base, Map.of());
    FileSystemView fs = driver.fs("c");
    byte[] first = TestData.random(10, 1 << 20);
    byte[] second = TestData.random(11, 1 << 20);
    fs.writeFile("/data", new ByteArrayInputStream(first), 0644, 0, 0, 0);
    fs.writeFile("/copy", new ByteArrayInputStream(second), 0644, 0, 0, 0);
    fs.writeFile("/data", new ByteArrayInputStream(second), 0644, 0, 0, 0);
    if (driver instanceof Recountable r) {
      r.recount();
    }
    long reclaimed = fixture.chunks().gc().bytesReclaimed();
    if (driver instanceof Recountable) {
      assertThat(reclaimed).as("the first version's chunks").isGreaterThanOrEqualTo(1 << 20);
    }
    assertThat(readAll(fs, "/data")).isEqualTo(second);
    assertThat(readAll(fs, "/copy")).isEqualTo(second);
    assertThat(cat(driver.fs(base), "/etc/hosts")).startsWith("127.0.0.1");
    assertThat(fixture.chunks().fsck().damaged()).isEmpty();
    if (driver instanceof Recountable r) {
      assertThat(r.check()).as("every tree's chunks are held").isEmpty();
    }
    driver = fixture.reopen();
    assertThat(readAll(driver.fs("c"), "/data")).isEqualTo(second);
  }

  // ---- persistence ----

  @Test
  void everythingSurvivesAReopen() throws IOException {
    String base = base();
    driver.prepare("c", base, Map.of("k", "v"));
    put(driver.fs("c"), "/etc/hosts", "changed");
    driver.fs("c").write("/data", 8192, bytes("tail"), 0, 4);
    driver = fixture.reopen();
    assertThat(driver.stat("c").labels()).containsEntry("k", "v");
    assertThat(driver.stat("c").parent()).isEqualTo(base);
    assertThat(cat(driver.fs("c"), "/etc/hosts")).isEqualTo("changed");
    assertThat(driver.fs("c").stat("/data").size()).isEqualTo(8196);
    assertThat(cat(driver.fs(base), "/etc/hosts")).startsWith("127.0.0.1");
    put(driver.fs("c"), "/after", "a");
    assertThat(cat(driver.fs("c"), "/after")).isEqualTo("a");
  }

  @Test
  void acknowledgedWritesSurviveACrash() throws IOException {
    String base = base();
    driver.prepare("c", base, Map.of());
    FileSystemView fs = driver.fs("c");
    for (int i = 0; i < 20; i++) {
      put(fs, "/f" + i, "v" + i);
    }
    fs.write("/f3", 1, bytes("XYZ"), 0, 3);
    // Copy the data root as it is now, as a power cut would leave it: what was acknowledged was
    // fsynced, so it must be in the files already.
    Path crash = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-crash"));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = crash.resolve(dir.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    try (DriverFixture after = new DriverFixture(crash, provider())) {
      FileSystemView got = after.driver().fs("c");
      for (int i = 0; i < 20; i++) {
        assertThat(cat(got, "/f" + i)).isEqualTo(i == 3 ? "vXYZ" : "v" + i);
      }
      assertThat(after.chunks().fsck().damaged()).isEmpty();
    }
  }

  // ---- bad input ----

  @Test
  void badPathsAreRefused() throws IOException {
    driver.prepare("p", null, Map.of());
    FileSystemView fs = driver.fs("p");
    for (String bad : new String[] {"/a/../b", "relative", "/a\0b", "/" + "n".repeat(256), ""}) {
      assertThatThrownBy(() -> put(fs, bad, "x"))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class);
    }
    assertThatThrownBy(() -> fs.stat("/missing")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> fs.truncate("/missing", 1)).isInstanceOf(NotFoundException.class);
    assertThat(fs.list("/")).isEmpty();
  }

  @Test
  void removedSnapshotsAreGone() throws IOException {
    driver.prepare("gone", null, Map.of());
    FileSystemView fs = driver.fs("gone");
    driver.remove("gone");
    assertThatThrownBy(() -> driver.fs("gone")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> driver.usage("gone")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> put(fs, "/x", "x")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void nativeListingNamesEverySnapshot() throws IOException {
    String base = base();
    driver.prepare("c1", base, Map.of());
    driver.view("v1", base, Map.of());
    driver.prepare("gone", base, Map.of());
    driver.remove("gone");
    List<String> listed = new ArrayList<>();
    for (Map<String, Object> row : driver.nativeListing()) {
      String key = listedKey(row);
      if (key != null && !listed.contains(key)) {
        listed.add(key);
      }
    }
    assertThat(listed).containsExactlyInAnyOrder(base, "c1", "v1");
  }
}

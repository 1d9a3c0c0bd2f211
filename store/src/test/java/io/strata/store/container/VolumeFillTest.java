package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes as Docker's: a new volume over a directory of the image starts with its files, and each
 * {@code VOLUME} of the image's config is an anonymous volume, whose content {@code commit} leaves
 * out (F18).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VolumeFillTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final long MTIME = 1_000_000_000L * 1_000_000_000L; // 2001-09-09

  @TempDir Path dir;
  ContainerFixture fix;
  ContainerStore containers;
  Path host;
  boolean root;

  @BeforeEach
  void open() throws Exception {
    host = Files.createDirectories(dir.resolve("host"));
    fix = new ContainerFixture(dir.resolve("data"), List.of(host));
    containers = fix.containers();
    root = ((Integer) Files.getAttribute(host, "unix:uid")) == 0;
    // /olddir: what a new volume over it must start with
    Path t = dir.resolve("tree");
    Path old = Files.createDirectories(t.resolve("olddir/sub")).getParent();
    Files.writeString(old.resolve("a"), "alpha\n");
    Files.writeString(old.resolve("sub/b"), "beta\n");
    Files.writeString(old.resolve("h1"), "linked\n");
    Files.createLink(old.resolve("sub/h2"), old.resolve("h1"));
    Files.createSymbolicLink(old.resolve("ln"), Path.of("sub/b"));
    Files.createSymbolicLink(old.resolve("abs"), Path.of("/etc/passwd"));
    run("mkfifo", "-m", "0620", old.resolve("fifo").toString());
    if (root) {
      set(old.resolve("a"), "unix:uid", 1234);
      set(old.resolve("a"), "unix:gid", 5678);
      set(old.resolve("sub"), "unix:uid", 42);
      set(old.resolve("sub"), "unix:gid", 43);
    }
    set(old.resolve("a"), "unix:mode", 04755);
    set(old.resolve("sub"), "unix:mode", 0710);
    set(old, "unix:mode", 01777);
    Files.setLastModifiedTime(old.resolve("a"), FileTime.from(MTIME, TimeUnit.NANOSECONDS));
    Files.setLastModifiedTime(old.resolve("sub"), FileTime.from(MTIME, TimeUnit.NANOSECONDS));
    Files.createDirectories(t.resolve("appdata"));
    Files.writeString(t.resolve("appdata/f"), "content\n");
    Files.createDirectories(t.resolve("etc"));
    Files.writeString(t.resolve("etc/keep.conf"), "keep me\n");
    fix.images().importPath(t.toString(), "tree:1");
    fix.images().build("FROM tree:1\nVOLUME /appdata /fresh\n", List.of("volimg:1"), t, s -> {});
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private static void set(Path p, String attr, int v) throws IOException {
    Files.setAttribute(p, attr, v, NOFOLLOW);
  }

  private static int get(Path p, String attr) throws IOException {
    return (Integer) Files.getAttribute(p, attr, NOFOLLOW);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
  }

  private static String cat(FileSystemView fs, String path) throws IOException {
    try (InputStream in = fs.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Path data(String volume) throws IOException {
    return Path.of(containers.volumes().inspect(volume).mountpoint());
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Mount mountAt(String container, String target) {
    return containers.inspect(container).mounts().stream()
        .filter(m -> m.target().equals(target))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aNewVolumeOverAnImageDirectoryStartsWithItsFilesAsTheyAre() throws IOException {
    containers.create("tree:1", "c1", List.of(Mount.ofVolumeFlag("fresh:/olddir")));
    Path v = data("fresh");
    assertThat(names(v)).containsExactly("a", "abs", "fifo", "h1", "ln", "sub");
    assertThat(Files.readString(v.resolve("a"))).isEqualTo("alpha\n");
    assertThat(get(v.resolve("a"), "unix:mode") & 07777).isEqualTo(04755);
    assertThat(Files.getLastModifiedTime(v.resolve("a"), NOFOLLOW).to(TimeUnit.NANOSECONDS))
        .isEqualTo(MTIME);
    assertThat(get(v.resolve("sub"), "unix:mode") & 07777).isEqualTo(0710);
    assertThat(Files.getLastModifiedTime(v.resolve("sub"), NOFOLLOW).to(TimeUnit.NANOSECONDS))
        .as("a directory's time is set after its files are made")
        .isEqualTo(MTIME);
    assertThat(get(v, "unix:mode") & 07777).as("the volume's own directory").isEqualTo(01777);
    if (root) {
      assertThat(List.of(get(v.resolve("a"), "unix:uid"), get(v.resolve("a"), "unix:gid")))
          .containsExactly(1234, 5678);
      assertThat(List.of(get(v.resolve("sub"), "unix:uid"), get(v.resolve("sub"), "unix:gid")))
          .containsExactly(42, 43);
    }
    assertThat(Files.readSymbolicLink(v.resolve("ln"))).isEqualTo(Path.of("sub/b"));
    assertThat(Files.readSymbolicLink(v.resolve("abs"))).isEqualTo(Path.of("/etc/passwd"));
    assertThat(Files.isSameFile(v.resolve("h1"), v.resolve("sub/h2")))
        .as("two names of one file stay one file")
        .isTrue();
    assertThat(Files.readAttributes(v.resolve("fifo"), "unix:mode", NOFOLLOW))
        .isEqualTo(Map.of("mode", 0010620));
    ContainerView c = containers.view("c1");
    assertThat(cat(c, "/olddir/ln")).isEqualTo("beta\n");
    // the container's writes go to the volume, and the image's files are there once only
    c.write("/olddir/new", 0, new byte[] {'x'}, 0, 1);
    containers.create("tree:1", "d1", List.of(Mount.ofVolumeFlag("fresh:/olddir")));
    assertThat(names(v)).containsExactly("a", "abs", "fifo", "h1", "ln", "new", "sub");
    assertThat(containers.diff("c1")).isEmpty();
  }

  @Test
  void nocopyBindMountsAndVolumesWithFilesOrInUseAreNotFilled() throws IOException {
    containers.create("tree:1", "n1", List.of(Mount.ofVolumeFlag("nc1:/olddir:nocopy")));
    containers.create(
        "tree:1", "n2", List.of(Mount.ofMountFlag("src=nc2,dst=/olddir,volume-nocopy")));
    containers.create("tree:1", "n3", List.of(Mount.ofMountFlag("dst=/olddir,volume-nocopy=1")));
    assertThat(names(data("nc1"))).isEmpty();
    assertThat(names(data("nc2"))).isEmpty();
    assertThat(names(data(mountAt("n3", "/olddir").source()))).isEmpty();
    assertThat(containers.view("n1").list("/olddir")).isEmpty();

    Path bound = Files.createDirectories(host.resolve("bound"));
    containers.create("tree:1", "b1", List.of(Mount.ofVolumeFlag(bound + ":/olddir")));
    assertThat(names(bound)).as("a bind mount is never filled").isEmpty();

    containers.volumes().create("mine");
    Files.writeString(data("mine").resolve("own"), "user data\n");
    containers.create("tree:1", "m1", List.of(Mount.ofVolumeFlag("mine:/olddir")));
    assertThat(names(data("mine")))
        .as("a volume with files is never touched")
        .containsExactly("own");

    // an existing empty volume no container mounts is filled (docker volume create, then run)
    containers.volumes().create("empty");
    containers.create("tree:1", "e1", List.of(Mount.ofVolumeFlag("empty:/olddir")));
    assertThat(names(data("empty"))).contains("a", "sub");
    // one a container mounts (nc1, left empty by nocopy) is that container's: left alone
    containers.create("tree:1", "n4", List.of(Mount.ofVolumeFlag("nc1:/olddir")));
    assertThat(names(data("nc1"))).isEmpty();
    // a volume over a path the image does not have is made empty, as before
    containers.create("tree:1", "x1", List.of(Mount.ofVolumeFlag("elsewhere:/nothing/here")));
    assertThat(names(data("elsewhere"))).isEmpty();
  }

  @Test
  void eachVolumeOfTheImageIsAnAnonymousVolumeThatCommitLeavesOut() throws IOException {
    containers.create("volimg:1", "iv", List.of(Mount.ofVolumeFlag("fresh2:/olddir")));
    Mount app = mountAt("iv", "/appdata");
    assertThat(app.type()).isEqualTo(Mount.VOLUME);
    assertThat(app.anonymous()).isTrue();
    assertThat(app.source()).matches("[0-9a-f]{64}");
    assertThat(mountAt("iv", "/fresh").anonymous()).isTrue();
    assertThat(containers.inspect("iv").mounts()).hasSize(3);
    assertThat(names(data(app.source()))).as("filled from the image").containsExactly("f");
    assertThat(names(data(mountAt("iv", "/fresh").source()))).isEmpty();

    ContainerView v = containers.view("iv");
    byte[] hi = "hi\n".getBytes(StandardCharsets.UTF_8);
    v.write("/appdata/new", 0, hi, 0, hi.length);
    v.write("/fresh/g", 0, hi, 0, hi.length);
    v.write("/etc/layer", 0, hi, 0, hi.length);
    assertThat(names(data(app.source()))).containsExactly("f", "new");
    containers.commit("iv", "vvc:1");
    containers.create("vvc:1", "after", List.of(Mount.ofVolumeFlag("/appdata:nocopy")));
    ContainerView after = containers.view("after");
    assertThat(after.list("/appdata")).as("the volume is not the layer").isEmpty();
    assertThat(cat(after, "/etc/layer")).isEqualTo("hi\n");
    assertThat(after.exists("/fresh/g")).isFalse();

    // a mount the user gives at that path replaces the image's volume
    containers.create("volimg:1", "own", List.of(Mount.ofVolumeFlag("mine:/appdata")));
    assertThat(containers.inspect("own").mounts())
        .filteredOn(m -> m.target().equals("/appdata"))
        .extracting(Mount::source)
        .containsExactly("mine");

    // rm -v removes the image's anonymous volumes as it does those of -v /path
    String fresh = mountAt("iv", "/fresh").source();
    containers.remove("iv", true);
    assertThat(containers.volumes().exists(app.source())).isFalse();
    assertThat(containers.volumes().exists(fresh)).isFalse();
    assertThat(containers.volumes().exists("fresh2")).as("named volumes stay").isTrue();
  }

  @Test
  void aCreateThatFailsAfterTheCopyLeavesNoVolumeAndARetryFillsAFreshOne() throws IOException {
    // the second mount's target is a file of the image: no mount point can be made there
    assertThatThrownBy(
            () ->
                containers.create(
                    "tree:1",
                    "bad",
                    List.of(
                        Mount.ofVolumeFlag("half:/olddir"),
                        Mount.ofVolumeFlag("other:/etc/keep.conf"))))
        .isInstanceOf(ConflictException.class);
    assertThat(containers.volumes().exists("half")).isFalse();
    assertThat(containers.volumes().list()).isEmpty();
    assertThat(stagedLeftovers()).isEmpty();
    containers.create("tree:1", "good", List.of(Mount.ofVolumeFlag("half:/olddir")));
    assertThat(names(data("half"))).containsExactly("a", "abs", "fifo", "h1", "ln", "sub");
  }

  @Test
  void aCopyCutByACrashIsGoneAtRestartAndNeverAVolume() throws IOException {
    // what a create killed while copying leaves: a staged directory, never a volume
    Path staged = fix.dataRoot().resolve("volumes/.new-0c0ffee/_data");
    Files.createDirectories(staged.resolve("sub"));
    Files.writeString(staged.resolve("a"), "alph");
    containers = fix.reopen();
    assertThat(stagedLeftovers()).isEmpty();
    assertThat(containers.volumes().list()).isEmpty();
  }

  @Test
  void anImageVolumeThatIsNotAMountPathIsRefusedNamingTheImage() throws IOException {
    fix.images().build("FROM tree:1\nVOLUME relative\n", List.of("rel:1"), dir, s -> {});
    assertThatThrownBy(() -> containers.create("rel:1", "r1", List.of()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("image rel:1 declares VOLUME relative");
    assertThat(containers.volumes().list()).isEmpty();
    List<String> snapshots = new java.util.ArrayList<>();
    fix.driver().walk(s -> snapshots.add(s.key()));
    assertThat(snapshots).noneMatch(k -> k.startsWith(ContainerStore.SNAPSHOT_PREFIX));
  }

  private List<String> stagedLeftovers() throws IOException {
    return names(fix.dataRoot().resolve("volumes")).stream()
        .filter(n -> n.startsWith("."))
        .toList();
  }
}

package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.digest.Digest;
import io.strata.store.driver.Change;
import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldUnlinked;
import io.strata.store.volume.HostDirectory;
import io.strata.store.volume.VolumeInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The container engine over a real store: what acceptance/40-containers.sh checks, and more. */
class ContainerStoreTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;
  ContainerFixture fix;
  ContainerStore containers;
  byte[] big;
  Path host;

  @BeforeEach
  void open() throws IOException {
    host = Files.createDirectories(dir.resolve("host"));
    fix = new ContainerFixture(dir.resolve("data"), List.of(host));
    containers = fix.containers();
    Path base = dir.resolve("base");
    Files.createDirectories(base.resolve("data"));
    Files.createDirectories(base.resolve("etc"));
    big = new byte[8 * MIB];
    new Random(7).nextBytes(big);
    Files.write(base.resolve("data/big.bin"), big);
    Files.writeString(base.resolve("etc/keep.conf"), "keep me\n");
    Files.writeString(base.resolve("etc/gone.conf"), "delete me\n");
    fix.images().importPath(base.toString(), "base:1");
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private static byte[] cat(FileSystemView fs, String path) throws IOException {
    try (InputStream in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  private static void put(FileSystemView fs, String path, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    fs.write(path, 0, b, 0, b.length);
  }

  private ContainerSummary row(String name) throws IOException {
    return containers.list().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aWriteAtAnOffsetChangesOnlyThatRangeAndOnlyThatContainer() throws IOException {
    String id = containers.create("base:1", "c1", List.of());
    assertThat(id).matches("[0-9a-f]{64}");
    ContainerView c1 = containers.view("c1");
    assertThat(cat(c1, "/data/big.bin")).isEqualTo(big);

    byte[] patch = new byte[4096];
    new Random(8).nextBytes(patch);
    c1.write("/data/big.bin", MIB, patch, 0, patch.length);

    byte[] expected = big.clone();
    System.arraycopy(patch, 0, expected, MIB, patch.length);
    assertThat(cat(containers.view(id.substring(0, 12)), "/data/big.bin")).isEqualTo(expected);
    containers.create("base:1", "c2", List.of());
    assertThat(cat(containers.view("c2"), "/data/big.bin")).isEqualTo(big);

    ContainerSummary r = row("c1");
    assertThat(r.size()).isPositive().isLessThan(MIB);
    assertThat(r.virtualSize()).isGreaterThanOrEqualTo(8L * MIB);
    assertThat(r.id()).isEqualTo(id);
    assertThat(containers.diff("c1")).containsExactly(new Change('C', "/data/big.bin"));
  }

  @Test
  void aWritePastTheLargestFileIsRefusedAndAHugeSparseFileIsNotSpooledByACommit()
      throws IOException {
    containers.create("base:1", "big", List.of());
    ContainerView v = containers.view("big");
    byte[] ab = {'A', 'B'};
    // offset + length overflowed a long: the write was acknowledged and stored nothing
    assertThatThrownBy(() -> v.write("/etc/keep.conf", Long.MAX_VALUE, ab, 0, 2))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("/etc/keep.conf")
        .hasMessageContaining("past the largest file size");
    assertThat(cat(v, "/etc/keep.conf")).asString(StandardCharsets.UTF_8).isEqualTo("keep me\n");
    assertThat(containers.diff("big")).isEmpty();
    // a byte at 1 PiB: a sparse file the layer stores in a few KiB, but its tar would be 1 PiB
    v.write("/huge", 1L << 50, ab, 0, 1);
    Path tmp = Files.createDirectories(fix.dataRoot().resolve("tmp"));
    assertThatThrownBy(() -> containers.commit("big", "huge:1"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("commit of container big")
        .hasMessageContaining("/huge")
        .hasMessageContaining("strata.import.maxLayerBytes");
    try (var spooled = Files.list(tmp)) {
      assertThat(spooled.filter(f -> f.getFileName().toString().startsWith("commit-"))).isEmpty();
    }
    assertThat(fix.images().list()).hasSize(1);
  }

  @Test
  void aDeletedDirectoryIsOneLineOfTheDiffAsDockerPrintsIt() throws IOException {
    containers.create("base:1", "dd", List.of());
    containers.view("dd").mkdirs("/data/sub", 0755);
    containers.commit("dd", "withsub:1");
    containers.create("withsub:1", "d2", List.of());
    ContainerView v = containers.view("d2");
    v.remove("/data", true);
    put(v, "/etc/new.conf", "n\n");
    assertThat(containers.diff("d2"))
        .containsExactly(
            new Change('D', "/data"), new Change('C', "/etc"), new Change('A', "/etc/new.conf"));

    // A directory replaced by a file is one C line: its old children went with it, as docker
    // diff shows it (docs/ADVERSARIAL.md, F21; they were D lines each).
    containers.create("withsub:1", "d3", List.of());
    ContainerView w = containers.view("d3");
    w.remove("/data", true);
    put(w, "/data", "a file now\n");
    assertThat(containers.diff("d3")).containsExactly(new Change('C', "/data"));
  }

  @Test
  void sizesAreDockersBytesWrittenWithTheExclusiveBytesBeside() throws IOException {
    // A copy of the image's 8 MiB file into a new file: written, as in overlayfs's upper
    // directory, though the store holds those bytes already (nothing new is stored).
    containers.create("base:1", "copier", List.of());
    ContainerView copier = containers.view("copier");
    copier.write("/copy.bin", 0, big, 0, big.length);
    // 4 KiB written into the middle of the image's file: only the block written counts, not the
    // remainders of the extent it split.
    containers.create("base:1", "patcher", List.of());
    byte[] patch = new byte[4096];
    new Random(9).nextBytes(patch);
    containers.view("patcher").write("/data/big.bin", MIB + 100, patch, 0, patch.length);

    ContainerSummary copy = row("copier");
    assertThat(copy.size()).isEqualTo(big.length);
    assertThat(copy.virtualSize())
        .isEqualTo(copy.size() + row("patcher").virtualSize() - row("patcher").size());
    assertThat(copy.exclusiveSize()).as("the copy's chunks are the image's").isLessThan(64 * 1024);
    ContainerSummary p = row("patcher");
    assertThat(p.size())
        .as("the blocks the write touched, not the 8 MiB file whose extent it split")
        .isBetween(8192L, 64L * 1024);
    assertThat(p.exclusiveSize()).isPositive();
  }

  @Test
  void diffCommitAndExportCarryTheChangesAndAWhiteout() throws IOException {
    containers.create("base:1", "c1", List.of());
    ContainerView c1 = containers.view("c1");
    byte[] patch = "PATCH".getBytes(StandardCharsets.UTF_8);
    c1.write("/data/big.bin", MIB, patch, 0, patch.length);
    put(c1, "/etc/new.conf", "new file\n");
    c1.remove("/etc/gone.conf", false);

    assertThat(containers.diff("c1"))
        .contains(
            new Change('C', "/data/big.bin"),
            new Change('A', "/etc/new.conf"),
            new Change('D', "/etc/gone.conf"));

    String image = containers.commit("c1", "committed:1");
    assertThat(fix.images().resolve("committed:1")).isEqualTo(image);
    assertThat(fix.images().inspect("committed:1").layers()).hasSize(2);

    containers.create("committed:1", "c3", List.of());
    ContainerView c3 = containers.view("c3");
    byte[] expected = big.clone();
    System.arraycopy(patch, 0, expected, MIB, patch.length);
    assertThat(cat(c3, "/data/big.bin")).isEqualTo(expected);
    assertThat(new String(cat(c3, "/etc/new.conf"), StandardCharsets.UTF_8))
        .isEqualTo("new file\n");
    assertThatThrownBy(() -> c3.stat("/etc/gone.conf")).isInstanceOf(NotFoundException.class);

    Path oci = dir.resolve("oci");
    fix.images().exportLayout("committed:1", oci);
    assertThat(topLayerNames(oci)).contains("etc/.wh.gone.conf", "etc/new.conf", "data/big.bin");

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    containers.export("c3", tar);
    Map<String, byte[]> files = untar(tar.toByteArray());
    assertThat(files.get("data/big.bin")).isEqualTo(expected);
    assertThat(files).containsKey("etc/keep.conf").doesNotContainKey("etc/gone.conf");
  }

  /**
   * A removed file a mount keeps for a process that still has it open (renamed to {@code
   * /.strata-unlinked-NODE}) is no content of the container: not in diff, commit, export, cp or a
   * listing, as an overlay upper directory does not show it (docs/ADVERSARIAL.md, F5: a deleted
   * secret was committed into the image).
   */
  @Test
  void aRemovedFileKeptOpenByAMountIsNotTheContainersContent() throws IOException {
    containers.create("base:1", "c1", List.of());
    ContainerView c1 = containers.view("c1");
    put(c1, "/.strata-unlinked-3", "API_KEY=hunter2\n");
    c1.setXattr("/.strata-unlinked-3", HeldUnlinked.MARKER, new byte[0]); // as a mount marks it
    // a user's own file of such a name is theirs (docs/ADVERSARIAL.md, F4)
    put(c1, "/.strata-unlinked-4", "mine\n");
    put(c1, "/etc/new.conf", "new file\n");
    c1.remove("/etc/gone.conf", false);

    assertThat(containers.diff("c1"))
        .containsExactlyInAnyOrder(
            new Change('A', "/.strata-unlinked-4"),
            new Change('C', "/etc"),
            new Change('A', "/etc/new.conf"),
            new Change('D', "/etc/gone.conf"));

    containers.commit("c1", "committed:1");
    containers.create("committed:1", "c2", List.of());
    assertThatThrownBy(() -> containers.view("c2").stat("/.strata-unlinked-3"))
        .isInstanceOf(NotFoundException.class);
    assertThat(cat(containers.view("c2"), "/.strata-unlinked-4"))
        .isEqualTo("mine\n".getBytes(StandardCharsets.UTF_8));
    Path oci = dir.resolve("oci");
    fix.images().exportLayout("committed:1", oci);
    assertThat(topLayerNames(oci)).noneMatch(n -> n.contains("strata-unlinked-3"));

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    containers.export("c1", tar);
    assertThat(untar(tar.toByteArray()).keySet())
        .contains("etc/new.conf", ".strata-unlinked-4")
        .doesNotContain(".strata-unlinked-3");
    ByteArrayOutputStream copied = new ByteArrayOutputStream();
    containers.copyOut("c1", "/", copied);
    assertThat(untar(copied.toByteArray()).keySet())
        .anyMatch(n -> n.endsWith("etc/new.conf"))
        .anyMatch(n -> n.endsWith(".strata-unlinked-4"))
        .noneMatch(n -> n.contains("strata-unlinked-3"));
  }

  /**
   * A container's view numbers the files of its mounts apart from the layer's, the same way each
   * time: tools that tell files apart by inode (tar, cp -a, rsync -H) took an image file and a bind
   * mount's file of the same number for hard links (docs/ADVERSARIAL.md, F7).
   */
  @Test
  void filesOfMountsAndOfTheLayerHaveInodeNumbersApart() throws IOException {
    Files.writeString(host.resolve("f1"), "host");
    Files.createLink(host.resolve("f1link"), host.resolve("f1"));
    containers.create(
        "base:1", "c9", List.of(Mount.ofVolumeFlag(host + ":/data"), Mount.ofVolumeFlag("/anon")));
    ContainerView c9 = containers.view("c9");
    long layerIno = c9.stat("/etc/keep.conf").ino();
    long hostIno = c9.stat("/data/f1").ino();
    long anonIno = c9.stat("/anon").ino();
    assertThat(layerIno).isLessThan(1L << 62);
    assertThat(hostIno).isGreaterThanOrEqualTo(1L << 62);
    assertThat(anonIno).isGreaterThanOrEqualTo(1L << 62);
    assertThat(hostIno >>> 48).isNotEqualTo(anonIno >>> 48); // each mount its own range
    // hard links of the mount are still one number; a new view numbers them alike
    assertThat(c9.stat("/data/f1link").ino()).isEqualTo(hostIno);
    assertThat(containers.view("c9").stat("/data/f1").ino()).isEqualTo(hostIno);
    assertThat(c9.list("/data")).extracting(e -> e.stat().ino()).containsOnly(hostIno);
  }

  /**
   * A mount nested in another ({@code -v /src:/bm -v vol:/bm/inner}) has its target made in the
   * outer mount's host directory, as Docker's runtime does before mounting, so that a listing of
   * the outer mount shows it (docs/ADVERSARIAL.md, N4); a target missing in a read-only mount is
   * refused and the container not made.
   */
  @Test
  void aMountNestedInAnotherIsListedInIt() throws IOException {
    Path outer = Files.createDirectories(host.resolve("outer"));
    Files.writeString(outer.resolve("there"), "x");
    containers.create(
        "base:1",
        "nest",
        List.of(
            Mount.ofVolumeFlag(outer + ":/bm"),
            Mount.ofVolumeFlag("inner:/bm/a/inner2"),
            Mount.ofVolumeFlag("/data")));
    assertThat(outer.resolve("a/inner2")).isDirectory();
    ContainerView v = containers.view("nest");
    assertThat(v.list("/bm")).extracting(DirEntry::name).containsExactly("a", "there");
    assertThat(v.list("/bm/a")).extracting(DirEntry::name).containsExactly("inner2");
    v.write("/bm/a/inner2/f", 0, new byte[] {1}, 0, 1);
    assertThat(v.stat("/bm/a/inner2/f").size()).isEqualTo(1);
    assertThat(outer.resolve("a/inner2/f")).doesNotExist(); // in the volume, not the outer mount
    assertThat(v.stat("/data").isDirectory()).isTrue();

    Path ro = Files.createDirectories(host.resolve("ro"));
    assertThatThrownBy(
            () ->
                containers.create(
                    "base:1",
                    "nestro",
                    List.of(
                        Mount.ofVolumeFlag(ro + ":/r:ro"), Mount.ofVolumeFlag(outer + ":/r/x"))))
        .hasMessageContaining("read-only");
    assertThat(ro.resolve("x")).doesNotExist();
    assertThatThrownBy(() -> containers.inspect("nestro")).isInstanceOf(NotFoundException.class);
  }

  /**
   * A mount whose target passes through a symlink of an outer mount is where the link leads, as
   * runc mounts it: a process that follows the link (through a FUSE mount, which never resolves a
   * link itself) and {@code strata fs} naming the path as written reach the same volume
   * (docs/ADVERSARIAL.md, O4: the target as written went to the volume, the kernel's path to the
   * bind source).
   */
  @Test
  void aMountTargetBehindASymlinkIsWhereTheLinkLeads() throws IOException {
    Path src = Files.createDirectories(host.resolve("linked-src"));
    Files.createDirectories(src.resolve("real"));
    Files.createSymbolicLink(src.resolve("lnk"), Path.of("real"));
    Files.createSymbolicLink(src.resolve("abs"), Path.of("/opt/deep"));
    containers.create(
        "base:1",
        "behind-link",
        List.of(
            Mount.ofVolumeFlag(src + ":/b"),
            Mount.ofVolumeFlag("vol-behind:/b/lnk/t"),
            Mount.ofVolumeFlag("vol-abs:/b/abs/u")));
    assertThat(containers.inspect("behind-link").mounts())
        .extracting(Mount::target, Mount::resolvedTarget)
        .containsExactly(
            tuple("/b", "/b"), tuple("/b/lnk/t", "/b/real/t"), tuple("/b/abs/u", "/opt/deep/u"));
    assertThat(src.resolve("real/t")).isDirectory(); // made where the volume is mounted
    assertThat(src.resolve("lnk")).isSymbolicLink();

    ContainerView v = containers.view("behind-link");
    byte[] one = {1};
    v.write("/b/lnk/t/f", 0, one, 0, 1); // as written
    Path volume = Path.of(containers.volumes().inspect("vol-behind").mountpoint());
    assertThat(volume.resolve("f")).hasBinaryContent(one);
    assertThat(src.resolve("real/t/f")).doesNotExist();
    assertThat(v.stat("/b/real/t/f").size()).isEqualTo(1); // the name the kernel reaches
    assertThat(v.list("/b/lnk")).extracting(DirEntry::name).containsExactly("t");

    v.write("/opt/deep/u/g", 0, one, 0, 1);
    assertThat(Path.of(containers.volumes().inspect("vol-abs").mountpoint()).resolve("g"))
        .hasBinaryContent(one);

    // Two targets that lead to one directory are one mount point twice
    assertThatThrownBy(
            () ->
                containers.create(
                    "base:1",
                    "twice",
                    List.of(
                        Mount.ofVolumeFlag(src + ":/c"),
                        Mount.ofVolumeFlag("v1:/c/real/x"),
                        Mount.ofVolumeFlag("v2:/c/lnk/x"))))
        .hasMessageContaining("duplicate mount point: /c/lnk/x and /c/real/x are both /c/real/x");
    assertThatThrownBy(() -> containers.inspect("twice")).isInstanceOf(NotFoundException.class);
  }

  /**
   * A hard-linked pair of the image, one name renamed in the container: the commit's layer names
   * both and links them, so the image keeps the pair the container kept. The renamed name went into
   * the layer as a file of its own (docs/ADVERSARIAL.md, F12).
   */
  /**
   * A directory of the image moved over another name, or a new one made where it was: the name
   * leads to another inode, so the diff lists the old entries below it as D and the new ones as A,
   * and the commit is the container (AF1: {@code mv dir.new dir} committed the old entries back, or
   * dropped every moved one).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aDirectoryReplacedByAnotherCommitsAsTheContainerHoldsIt() throws IOException {
    containers.create("base:1", "mv1", List.of());
    ContainerView v = containers.view("mv1");
    v.rename("/etc", "/etc.old");
    v.mkdir("/etc", 0755);
    v.writeFile("/etc/new", new ByteArrayInputStream(new byte[] {'n'}), 0644, 0, 0, 0);
    assertThat(containers.diff("mv1"))
        .contains(
            new Change('C', "/etc"),
            new Change('A', "/etc/new"),
            new Change('D', "/etc/keep.conf"),
            new Change('D', "/etc/gone.conf"),
            new Change('A', "/etc.old/keep.conf"));
    containers.commit("mv1", "mv1:1");
    containers.create("mv1:1", "mv1b", List.of());
    ContainerView w = containers.view("mv1b");
    assertThat(w.list("/etc")).extracting(e -> e.name()).containsExactly("new");
    assertThat(w.list("/etc.old"))
        .extracting(e -> e.name())
        .containsExactly("gone.conf", "keep.conf");

    containers.create("base:1", "mv2", List.of());
    ContainerView x = containers.view("mv2");
    x.remove("/data", true);
    x.rename("/etc", "/data");
    assertThat(containers.diff("mv2"))
        .contains(
            new Change('D', "/etc"),
            new Change('A', "/data/keep.conf"),
            new Change('A', "/data/gone.conf"))
        .doesNotContain(new Change('A', "/data/big.bin"));
    containers.commit("mv2", "mv2:1");
    containers.create("mv2:1", "mv2b", List.of());
    ContainerView y = containers.view("mv2b");
    assertThat(y.list("/data")).extracting(e -> e.name()).containsExactly("gone.conf", "keep.conf");
    assertThat(cat(y, "/data/keep.conf")).asString(StandardCharsets.UTF_8).isEqualTo("keep me\n");
    assertThat(y.exists("/etc")).isFalse();
  }

  /**
   * A commit and an export of a container a mount goes on writing read one point in time: a writer
   * that sets a file, then a second one, to the same counter (each a temporary renamed over it)
   * never leaves a commit with the second ahead of the first, or a commit refused for a temporary
   * file it saw vanish (AF2: a running sqlite committed malformed, and commits failed "path
   * /inv/t.tmp not found"). The writer writes as a mount does, through the snapshot's file system,
   * past the container's lock.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aCommitAndAnExportOfAContainerBeingWrittenAreOnePointInTime() throws Exception {
    String id = containers.create("base:1", "busy", List.of());
    FileSystemView fs = fix.driver().fs(ContainerStore.SNAPSHOT_PREFIX + id);
    put(fs, "/a", "0");
    put(fs, "/b", "0");
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int n = 1; !stop.get(); n++) {
                  // each file replaced whole, as programs do (a temporary renamed over it)
                  byte[] v = Integer.toString(n).getBytes(StandardCharsets.UTF_8);
                  for (String f : List.of("/a", "/b", "/t")) {
                    fs.writeFile(f + ".tmp", new ByteArrayInputStream(v), 0644, 0, 0, 0);
                    fs.rename(f + ".tmp", f);
                  }
                }
              } catch (Throwable t) {
                failed.set(t);
              }
            });
    writer.start();
    try {
      for (int i = 0; i < 12; i++) {
        containers.commit("busy", "busy:" + i);
        containers.create("busy:" + i, "busy-" + i, List.of());
        ContainerView v = containers.view("busy-" + i);
        int a = Integer.parseInt(new String(cat(v, "/a"), StandardCharsets.UTF_8));
        int b = Integer.parseInt(new String(cat(v, "/b"), StandardCharsets.UTF_8));
        assertThat(a - b).as("commit %d: /a %d, /b %d", i, a, b).isBetween(0, 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        containers.export("busy", out);
        Map<String, byte[]> files = untar(out.toByteArray());
        int ea = Integer.parseInt(new String(files.get("a"), StandardCharsets.UTF_8));
        int eb = Integer.parseInt(new String(files.get("b"), StandardCharsets.UTF_8));
        assertThat(ea - eb).as("export %d: /a %d, /b %d", i, ea, eb).isBetween(0, 1);
      }
    } finally {
      stop.set(true);
      writer.join(30_000);
    }
    assertThat(failed.get()).isNull();
    assertThat(fix.driver().stat(ContainerStore.SNAPSHOT_PREFIX + id)).isNotNull();
    List<String> keys = new ArrayList<>();
    fix.driver().walk(info -> keys.add(info.key()));
    assertThat(keys).as("no frozen view left").noneMatch(k -> k.contains(".frozen-"));
  }

  @Test
  void aCommitKeepsAHardLinkPairOneOfWhoseNamesWasRenamed() throws IOException {
    Path linked = dir.resolve("linked");
    Files.createDirectories(linked);
    Files.writeString(linked.resolve("f1"), "f1");
    Files.createLink(linked.resolve("f1link"), linked.resolve("f1"));
    fix.images().importPath(linked.toString(), "linked:1");
    containers.create("linked:1", "hm", List.of());
    ContainerView v = containers.view("hm");
    v.rename("/f1", "/f1moved");
    assertThat(v.stat("/f1link").nlink()).isEqualTo(2);
    containers.commit("hm", "hm:1");

    containers.create("hm:1", "hm2", List.of());
    ContainerView w = containers.view("hm2");
    assertThat(w.stat("/f1moved").nlink()).isEqualTo(2);
    assertThat(w.stat("/f1link").ino()).isEqualTo(w.stat("/f1moved").ino());
    put(w, "/f1link", "changed");
    assertThat(new String(cat(w, "/f1moved"), StandardCharsets.UTF_8)).isEqualTo("changed");
    assertThatThrownBy(() -> w.stat("/f1")).isInstanceOf(NotFoundException.class);

    // One name of the pair made anew: the other is unchanged, not a C line as its link count
    // changed (docs/ADVERSARIAL.md, F21); the commit keeps it as it was.
    containers.create("linked:1", "hm3", List.of());
    ContainerView x = containers.view("hm3");
    x.remove("/f1", false);
    put(x, "/f1", "new");
    assertThat(containers.diff("hm3")).containsExactly(new Change('C', "/f1"));
    containers.commit("hm3", "hm3:1");
    containers.create("hm3:1", "hm4", List.of());
    ContainerView y = containers.view("hm4");
    assertThat(new String(cat(y, "/f1"), StandardCharsets.UTF_8)).isEqualTo("new");
    assertThat(new String(cat(y, "/f1link"), StandardCharsets.UTF_8)).isEqualTo("f1");
    assertThat(y.stat("/f1link").nlink()).isEqualTo(1);
  }

  @Test
  void commitWithoutChangesMakesAnImage() throws IOException {
    containers.create("base:1", "c1", List.of());
    String image = containers.commit("c1", "same:1");
    containers.create(image, "c2", List.of());
    assertThat(cat(containers.view("c2"), "/etc/gone.conf")).isNotEmpty();
  }

  @Test
  void commitKeepsTheChangeTarAndWhitesOutOnlyTheTopOfADeletedOrReplacedTree() throws IOException {
    String id = containers.create("base:1", "c1", List.of());
    ContainerView c1 = containers.view("c1");
    c1.remove("/etc", true);
    c1.remove("/data", true);
    put(c1, "/data", "now a file\n");

    String image = containers.commit("c1", "flat:1");

    Path oci = dir.resolve("oci");
    fix.images().exportLayout("flat:1", oci);
    assertThat(topLayerNames(oci)).containsExactly("", "data", ".wh.etc");
    List<String> diffIds = fix.images().inspect(image).layers();
    assertThat(diffIds).hasSize(2);
    assertThat(diffIds.get(1)).isEqualTo(sha256(Files.readAllBytes(topLayer(oci))));
    assertThat(fix.images().history(image).get(0).createdBy()).isEqualTo("strata commit " + id);

    containers.create("flat:1", "c2", List.of());
    ContainerView c2 = containers.view("c2");
    assertThat(c2.exists("/etc")).isFalse();
    assertThat(new String(cat(c2, "/data"), StandardCharsets.UTF_8)).isEqualTo("now a file\n");

    put(c1, "/data", "changed again\n");
    String second = containers.commit("c1", "flat:1");
    assertThat(fix.images().resolve("flat:1")).isEqualTo(second).isNotEqualTo(image);
    assertThat(fix.images().inspect(image).repoTags()).isEmpty();
  }

  @Test
  void anImageIsInUseByAnyNameButNotThroughAnImageCommittedOnIt() throws IOException {
    containers.create("base:1", "c1", List.of());
    String base = fix.images().resolve("base:1");
    fix.images().tag("base:1", "alias:1");
    assertThat(fix.images().remove("alias:1", containers::usesImage))
        .containsExactly("Untagged: alias:1");
    for (String ref : List.of(base, base.substring(7, 19), "base:1")) {
      assertThatThrownBy(() -> fix.images().remove(ref, containers::usesImage))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining(ref);
    }

    String child = containers.commit("c1", "child:1");
    containers.create("child:1", "c2", List.of());
    containers.remove("c1", false);
    assertThat(containers.usesImage(base)).isFalse();
    assertThat(containers.usesImage(child)).isTrue();
    // as Docker: only the image a container was made from is refused; its layers stay for child:1
    assertThat(fix.images().remove("base:1", containers::usesImage)).contains("Deleted: " + base);
    assertThat(cat(containers.view("c2"), "/data/big.bin")).isEqualTo(big);
    assertThatThrownBy(() -> fix.images().remove("child:1", containers::usesImage))
        .isInstanceOf(ConflictException.class);
  }

  private static String sha256(byte[] b) {
    return Digest.sha256(b, 0, b.length).toString();
  }

  private static Path topLayer(Path oci) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(oci.resolve("index.json").toFile());
    JsonNode manifest =
        json.readTree(blob(oci, index.path("manifests").get(0).path("digest").asText()).toFile());
    JsonNode layers = manifest.path("layers");
    return blob(oci, layers.get(layers.size() - 1).path("digest").asText());
  }

  private static List<String> topLayerNames(Path oci) throws IOException {
    Path top = topLayer(oci);
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(top))) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        names.add(e.getName().replaceFirst("^\\./", ""));
      }
    }
    return names;
  }

  private static Path blob(Path oci, String digest) {
    return oci.resolve("blobs").resolve(digest.replace(':', '/'));
  }

  private static Map<String, byte[]> untar(byte[] tar) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (TarArchiveInputStream t = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        out.put(e.getName(), e.isFile() ? t.readAllBytes() : new byte[0]);
      }
    }
    return out;
  }

  @Test
  void volumeWritesLandInTheVolumeAndOutliveTheContainer() throws IOException {
    containers.create("base:1", "c4", List.of(Mount.ofVolumeFlag("vol1:/var/lib/db")));
    put(containers.view("c4"), "/var/lib/db/table", "row 1\n");

    Path mp = Path.of(containers.volumes().inspect("vol1").mountpoint());
    assertThat(mp).isEqualTo(fix.dataRoot().resolve("volumes/vol1/_data"));
    assertThat(Files.readString(mp.resolve("table"))).isEqualTo("row 1\n");
    assertThat(containers.diff("c4")).doesNotContain(new Change('A', "/var/lib/db/table"));
    assertThat(containers.volumes().inspect("vol1").inUse()).isTrue();
    assertThatThrownBy(() -> containers.volumes().remove("vol1"))
        .isInstanceOf(ConflictException.class);

    containers.remove("c4", true);
    assertThat(Files.readString(mp.resolve("table"))).isEqualTo("row 1\n");
    assertThat(containers.volumes().inspect("vol1").inUse()).isFalse();

    containers.create(
        "base:1", "c5", List.of(Mount.ofMountFlag("type=volume,source=vol1,target=/db")));
    assertThat(new String(cat(containers.view("c5"), "/db/table"), StandardCharsets.UTF_8))
        .isEqualTo("row 1\n");
  }

  @Test
  void aSymlinkInTheLayerLeadsIntoAMountAsInARunningContainer() throws IOException {
    containers.create("base:1", "cl", List.of(Mount.ofVolumeFlag("vl:/vol")));
    ContainerView v = containers.view("cl");
    Path mp = Path.of(containers.volumes().inspect("vl").mountpoint());
    v.symlink("/vol", "/etc/dl");
    put(v, "/etc/dl/viasym", "hi\n");
    assertThat(Files.readString(mp.resolve("viasym"))).isEqualTo("hi\n");
    assertThat(cat(v, "/vol/viasym")).asString(StandardCharsets.UTF_8).isEqualTo("hi\n");
    // a relative link, a directory made through one, a listing through one
    v.mkdir("/etc/dl/sub", 0755);
    v.symlink("../vol/sub", "/etc/rel");
    put(v, "/etc/rel/f", "x");
    assertThat(Files.readString(mp.resolve("sub/f"))).isEqualTo("x");
    assertThat(v.list("/etc/dl")).extracting(e -> e.name()).containsExactly("sub", "viasym");
    // a link to a file of the volume: a write goes to the file, a removal takes the link
    v.symlink("/vol/viasym", "/etc/file-link");
    put(v, "/etc/file-link", "again\n");
    assertThat(Files.readString(mp.resolve("viasym"))).isEqualTo("again\n");
    assertThat(v.stat("/etc/file-link").isSymlink()).isTrue();
    v.remove("/etc/file-link", false);
    assertThat(mp.resolve("viasym")).exists();
    // a '..' that climbs back out of the mount goes on in the container's names, as the kernel
    // resolves it: never to the host directory's parent
    v.symlink("/vol/..", "/etc/up");
    put(v, "/etc/up/etc/escape", "x");
    assertThat(cat(v, "/etc/escape")).asString(StandardCharsets.UTF_8).isEqualTo("x");
    assertThat(mp.getParent().resolve("etc")).doesNotExist();
    // the layer holds the links, never what was written through them
    assertThat(containers.diff("cl"))
        .contains(new Change('A', "/etc/dl"), new Change('A', "/etc/rel"))
        .noneMatch(c -> c.path().startsWith("/vol/"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    containers.export("cl", out);
    assertThat(untar(out.toByteArray()).keySet()).noneMatch(n -> n.contains("viasym"));
  }

  /**
   * A link in a volume that leads out of it, an absolute target or a {@code ..} above the volume,
   * goes on in the container's names wherever it stands in a path, as the kernel resolves it in the
   * running container: never on the host (docs/ADVERSARIAL.md, AE4; until 2026-12-07 only a last
   * name was followed, and {@code cat /vol/sub/keep.conf} was refused).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aLinkInAVolumeThatLeavesItGoesOnInTheContainersNames() throws IOException {
    containers.create("base:1", "out", List.of(Mount.ofVolumeFlag("vo:/vol")));
    ContainerView v = containers.view("out");
    Path mp = Path.of(containers.volumes().inspect("vo").mountpoint());
    Files.createSymbolicLink(mp.resolve("sub"), Path.of("/etc"));
    Files.createSymbolicLink(mp.resolve("up"), Path.of("../etc"));
    Files.createDirectory(mp.resolve("d"));
    Files.createSymbolicLink(mp.resolve("d/deep"), Path.of("../../data"));
    // the host's /etc has no keep.conf: only the container's answers
    assertThat(cat(v, "/vol/sub/keep.conf"))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("keep me\n");
    assertThat(cat(v, "/vol/up/keep.conf")).asString(StandardCharsets.UTF_8).isEqualTo("keep me\n");
    assertThat(v.stat("/vol/d/deep/big.bin").size()).isEqualTo(big.length);
    assertThat(v.list("/vol/sub")).extracting(e -> e.name()).contains("keep.conf", "gone.conf");
    // changes land in the layer, where the kernel would put them
    put(v, "/vol/sub/new.conf", "new\n");
    assertThat(cat(v, "/etc/new.conf")).asString(StandardCharsets.UTF_8).isEqualTo("new\n");
    v.remove("/vol/up/gone.conf", false);
    assertThat(v.exists("/etc/gone.conf")).isFalse();
    assertThat(containers.diff("out"))
        .contains(new Change('A', "/etc/new.conf"), new Change('D', "/etc/gone.conf"));
    // a missing name behind the link is missing in the container, named as the user wrote it
    assertThatThrownBy(() -> v.stat("/vol/sub/nothing-here")).isInstanceOf(NotFoundException.class);
    // a loop of links ends
    Files.createSymbolicLink(mp.resolve("loop"), Path.of("/vol/loop"));
    assertThatThrownBy(() -> cat(v, "/vol/loop/x"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("too many levels of symlinks");
    // the volume's own view still refuses to leave it
    HostDirectory alone = new HostDirectory(mp, false, "volume vo");
    assertThatThrownBy(() -> alone.stat("/sub/keep.conf"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("which leaves it");
  }

  @Test
  void rmWithVolumesRemovesOnlyAnonymousOnes() throws IOException {
    containers.create(
        "base:1", "cc", List.of(Mount.ofVolumeFlag("/anon"), Mount.ofVolumeFlag("named:/n")));
    String anon =
        containers.inspect("cc").mounts().stream()
            .filter(Mount::anonymous)
            .findFirst()
            .orElseThrow()
            .source();
    assertThat(anon).matches("[0-9a-f]{64}");
    containers.create("base:1", "keep", List.of(Mount.ofVolumeFlag("/anon2")));
    containers.remove("cc", true);
    assertThat(containers.volumes().exists(anon)).isFalse();
    assertThat(containers.volumes().exists("named")).isTrue();
    assertThat(containers.volumes().list()).hasSize(2);

    containers.remove("keep", false);
    assertThat(containers.volumes().list()).hasSize(2);
    // a volume the user named with 64 hex digits (a content hash) is theirs: only -a prunes it
    String hexName = "ab".repeat(32);
    containers.volumes().create(hexName);
    assertThat(containers.volumes().prune(false)).hasSize(1);
    assertThat(containers.volumes().exists(hexName)).isTrue();
    assertThat(containers.volumes().prune(true))
        .extracting(VolumeInfo::name)
        .containsExactly(hexName, "named");
    assertThat(containers.volumes().list()).isEmpty();
  }

  @Test
  void bindMountsWriteThroughAndStayInside() throws IOException {
    containers.create("base:1", "c6", List.of(Mount.ofVolumeFlag(host + ":/mnt")));
    ContainerView c6 = containers.view("c6");
    put(c6, "/mnt/y.txt", "hello host\n");
    assertThat(Files.readString(host.resolve("y.txt"))).isEqualTo("hello host\n");

    containers.create(
        "base:1",
        "c7",
        List.of(Mount.ofMountFlag("type=bind,source=" + host + ",target=/h,readonly")));
    String c7 = "container c7 (" + containers.inspect("c7").id().substring(0, 12) + ")";
    // the refusal names the container and the path as written, not the mount's own /z.txt
    assertThatThrownBy(() -> put(containers.view("c7"), "/h/z.txt", "x"))
        .isInstanceOf(ConflictException.class)
        .hasMessage(c7 + ": bind mount " + host + " at /h is read-only: cannot change /h/z.txt");
    assertThatThrownBy(() -> containers.view("c7").mkdirs("/h/d/e", 0755))
        .hasMessage(c7 + ": bind mount " + host + " at /h is read-only: cannot change /h/d/e");
    containers.view("c7").mkdirs("/h", 0755); // there already: mkdir -p changes nothing
    assertThat(host.resolve("z.txt")).doesNotExist();
    containers.create("base:1", "c7v", List.of(Mount.ofVolumeFlag("rov:/v:ro")));
    assertThatThrownBy(() -> containers.view("c7v").remove("/v", true))
        .hasMessageEndingWith(": volume rov at /v is read-only: cannot change /v");

    assertThatThrownBy(
            () -> containers.create("base:1", "c8", List.of(Mount.ofVolumeFlag("/etc:/hostetc"))))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> put(c6, "/mnt/../../escape.txt", "x"))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(dir.resolve("escape.txt")).doesNotExist();

    // links that leave the bind source go on in the container's names, never on the host
    Files.createSymbolicLink(host.resolve("up"), dir);
    assertThatThrownBy(() -> put(c6, "/mnt/up/escape2.txt", "x"))
        .isInstanceOf(NotFoundException.class); // the container has no such directory
    Files.createSymbolicLink(host.resolve("rel"), Path.of(".."));
    c6.writeFile("/mnt/rel/escape3.txt", new ByteArrayInputStream(new byte[] {'x'}), 0644, 0, 0, 0);
    assertThat(c6.stat("/escape3.txt").size()).isEqualTo(1);
    assertThat(dir.resolve("escape2.txt")).doesNotExist();
    assertThat(dir.resolve("escape3.txt")).doesNotExist();

    assertThat(containers.diff("c6")).doesNotContain(new Change('A', "/mnt/y.txt"));
    containers.remove("c6", true);
    assertThat(host.resolve("y.txt")).exists();
  }

  /**
   * {@code -v HOSTDIR:/ctr} with HOSTDIR missing makes it (0755), as dockerd does, but only under
   * an {@code --allow-bind} directory and never through a symlink; a missing source given to {@code
   * create} as it is ({@code --mount type=bind}) stays refused.
   */
  @Test
  void aMissingBindSourceOfTheShortFormIsMadeOnlyWhereBindsAreAllowed() throws IOException {
    Mount shortForm = Mount.ofVolumeFlag(host + "/new/deeper:/b");
    containers.makeMissingBindSource(shortForm);
    assertThat(host.resolve("new/deeper")).isDirectory();
    assertThat(Files.getPosixFilePermissions(host.resolve("new")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    containers.create("base:1", "made", List.of(shortForm));
    put(containers.view("made"), "/b/f", "x");
    assertThat(host.resolve("new/deeper/f")).hasContent("x");

    Path outside = dir.resolve("outside/made");
    assertThatThrownBy(() -> containers.makeMissingBindSource(Mount.ofVolumeFlag(outside + ":/o")))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("--allow-bind");
    assertThat(dir.resolve("outside")).doesNotExist();

    Files.createSymbolicLink(host.resolve("link"), dir);
    assertThatThrownBy(
            () -> containers.makeMissingBindSource(Mount.ofVolumeFlag(host + "/link/x:/o")))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("through a symlink");
    assertThat(dir.resolve("x")).doesNotExist();

    // ".." after a symlink: the kernel's parent is the target's, not the text's (V6)
    assertThatThrownBy(
            () -> containers.makeMissingBindSource(Mount.ofVolumeFlag(host + "/link/../esc:/o")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("a path with '..' is not made");
    assertThat(host.resolve("esc")).doesNotExist();
    // a file on the way: said so, not an I/O error (V7)
    Files.writeString(host.resolve("afile"), "x");
    assertThatThrownBy(
            () -> containers.makeMissingBindSource(Mount.ofVolumeFlag(host + "/afile/sub:/o")))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining(host.resolve("afile") + " is not a directory");

    Mount longForm = Mount.ofMountFlag("type=bind,source=" + host + "/absent,target=/a");
    assertThatThrownBy(() -> containers.create("base:1", "absent", List.of(longForm)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void aBindSourceInsideTheDataRootOrHoldingItIsRefused() throws IOException {
    // --allow-bind wide enough to hold the data root: the store's files stay out of reach anyway
    Path data = dir.resolve("wide/data");
    ContainerFixture wide = new ContainerFixture(data, List.of(dir));
    try {
      wide.images().importPath(dir.resolve("base").toString(), "base:1");
      Path inside;
      try (var l = Files.list(data)) {
        inside = l.filter(Files::isDirectory).findFirst().orElseThrow();
      }
      int n = 0;
      for (Path src : List.of(data, inside, dir.resolve("wide"))) {
        String name = "b" + n++;
        assertThatThrownBy(
                () ->
                    wide.containers()
                        .create("base:1", name, List.of(Mount.ofVolumeFlag(src + ":/x"))))
            .as(src.toString())
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("bind source " + src)
            .hasMessageContaining("the server's data root");
      }
      assertThat(wide.containers().list()).isEmpty();
      Path beside = Files.createDirectories(dir.resolve("wide/beside"));
      wide.containers().create("base:1", "ok", List.of(Mount.ofVolumeFlag(beside + ":/x")));
      put(wide.containers().view("ok"), "/x/f", "fine\n");
      assertThat(beside.resolve("f")).hasContent("fine\n");
    } finally {
      wide.close();
    }
  }

  @Test
  void copyInAndOutFollowDockerCp() throws IOException {
    containers.create("base:1", "cc", List.of(Mount.ofVolumeFlag("v1:/vol")));
    containers.copyIn("cc", "/etc", tar("x.conf", "ex\n"));
    containers.copyIn("cc", "/etc/renamed.conf", tar("y.conf", "why\n"));
    containers.copyIn("cc", "/vol", tar("in-volume", "v\n"));
    ContainerView v = containers.view("cc");
    assertThat(new String(cat(v, "/etc/x.conf"), StandardCharsets.UTF_8)).isEqualTo("ex\n");
    assertThat(new String(cat(v, "/etc/renamed.conf"), StandardCharsets.UTF_8)).isEqualTo("why\n");
    assertThat(v.exists("/etc/y.conf")).isFalse();
    assertThat(
            Files.readString(
                Path.of(containers.volumes().inspect("v1").mountpoint()).resolve("in-volume")))
        .isEqualTo("v\n");
    assertThatThrownBy(() -> containers.copyIn("cc", "/nope/x", tar("a", "a")))
        .isInstanceOf(NotFoundException.class);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    containers.copyOut("cc", "/etc", out);
    Map<String, byte[]> files = untar(out.toByteArray());
    assertThat(files).containsKeys("etc/", "etc/keep.conf", "etc/x.conf");
    out.reset();
    containers.copyOut("cc", "/vol/in-volume", out);
    assertThat(untar(out.toByteArray())).containsOnlyKeys("in-volume");
  }

  /**
   * A {@code cp} in whose entry a symlink of the same tar leads nowhere, or whose input is no tar,
   * is refused as bad content naming the entry or the tar, not as "not found" (exit 4).
   */
  @Test
  void aCopyInThatCannotBePlacedIsRefusedAsBadContent() throws IOException {
    containers.create("base:1", "cp", List.of());
    byte[] symabs =
        new io.strata.store.image.TarBuilder()
            .symlink("link", "/nowhere")
            .file("link/evil-abs-link", "x")
            .bytes();
    assertThatThrownBy(() -> containers.copyIn("cp", "/etc", new ByteArrayInputStream(symabs)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("tar entry link/evil-abs-link: cannot be placed (");
    assertThatThrownBy(
            () ->
                containers.copyIn(
                    "cp",
                    "/etc",
                    new ByteArrayInputStream("garbage\n".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("the tar copied in: not a tar archive (8 bytes, shorter than a tar header)");
    assertThat(containers.view("cp").exists("/etc/link")).isFalse();
  }

  /**
   * Each change is one group, in the store itself: a change or a {@code cp} in that fails half-way
   * (a hostile entry after a good one) leaves the writable layer as it was, even across a reopen.
   */
  @Test
  void aChangeThatFailsHalfWayChangesNothing() throws IOException {
    containers.create("base:1", "grp", List.of(Mount.ofVolumeFlag("gv:/vol")));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      for (String name : new String[] {"good.conf", "../escape.conf"}) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(2);
        t.putArchiveEntry(e);
        t.write(new byte[] {'o', 'k'});
        t.closeArchiveEntry();
      }
    }
    assertThatThrownBy(
            () -> containers.copyIn("grp", "/etc", new ByteArrayInputStream(b.toByteArray())))
        .isInstanceOf(InvalidArgumentException.class);
    // a volume is the host's directory, written as it comes: the tar is refused before anything
    assertThatThrownBy(
            () -> containers.copyIn("grp", "/vol", new ByteArrayInputStream(b.toByteArray())))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("../escape.conf");
    try (var left = Files.list(Path.of(containers.volumes().inspect("gv").mountpoint()))) {
      assertThat(left).as("the volume after a refused copy").isEmpty();
    }
    assertThatThrownBy(
            () ->
                containers.change(
                    "grp",
                    v -> {
                      put(v, "/etc/half.conf", "half");
                      v.remove("/etc/keep.conf", false);
                      throw new IOException("disk full, say");
                    }))
        .hasMessageContaining("disk full");
    String written =
        containers.change(
            "grp",
            v -> {
              put(v, "/etc/whole.conf", "whole");
              return "done";
            });
    assertThat(written).isEqualTo("done");

    containers = fix.reopen();
    assertThat(containers.diff("grp"))
        .extracting(c -> c.kind() + " " + c.path())
        .containsExactly("C /etc", "A /etc/whole.conf", "A /vol"); // the mount point
  }

  private static InputStream tar(String name, String content) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      byte[] c = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(c.length);
      t.putArchiveEntry(e);
      t.write(c);
      t.closeArchiveEntry();
    }
    return new ByteArrayInputStream(b.toByteArray());
  }

  /** A tar with what runc's /dev needs: two character devices, a block device and a FIFO. */
  private static byte[] devTar() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      Object[][] nodes = {
        {"dev/", TarConstants.LF_DIR, 0755, 0, 0},
        {"dev/null", TarConstants.LF_CHR, 0666, 1, 3},
        {"dev/zero", TarConstants.LF_CHR, 0666, 1, 5},
        {"dev/vda", TarConstants.LF_BLK, 0660, 252, 0},
        {"dev/pipe", TarConstants.LF_FIFO, 0620, 0, 0}
      };
      for (Object[] n : nodes) {
        TarArchiveEntry e = new TarArchiveEntry((String) n[0], (Byte) n[1]);
        e.setMode((Integer) n[2]);
        e.setDevMajor((Integer) n[3]);
        e.setDevMinor((Integer) n[4]);
        e.setUserId(n[1].equals(TarConstants.LF_BLK) ? 0 : 7);
        e.setGroupId(6);
        e.setModTime(1_600_000_000_000L);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  private static List<String> entries(byte[] tar) throws IOException {
    List<String> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.getName().startsWith("dev/") && !e.isDirectory()) {
          out.add(
              String.format(
                  "%s %c %o %d:%d %d,%d %d",
                  e.getName(),
                  (char) e.getLinkFlag(),
                  e.getMode(),
                  e.getLongUserId(),
                  e.getLongGroupId(),
                  e.getDevMajor(),
                  e.getDevMinor(),
                  e.getModTime().getTime() / 1000));
        }
      }
    }
    return out;
  }

  @Test
  void devicesAndFifosAreCopiedInAndExported() throws IOException {
    containers.create("base:1", "dn", List.of(Mount.ofVolumeFlag("v2:/vol")));
    byte[] in = devTar();
    containers.copyIn("dn", "/", new ByteArrayInputStream(in));
    ContainerView v = containers.view("dn");
    assertThat(v.stat("/dev/null").isCharDevice()).isTrue();
    assertThat(v.stat("/dev/null").devMinor()).isEqualTo(3);
    assertThat(v.stat("/dev/pipe").isFifo()).isTrue();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    containers.export("dn", out);
    // in name order, and the directory as cp made it: every node as it came
    assertThat(entries(out.toByteArray()))
        .isEqualTo(entries(in).stream().sorted().toList())
        .hasSize(4);
    assertThat(entries(in))
        .as("the input, as commons-compress reads it back")
        .contains("dev/null 3 666 7:6 1,3 1600000000", "dev/vda 4 660 0:6 252,0 1600000000");
    // a volume is the host's directory: the nodes are made there (mknodat), never opened
    containers.copyIn("dn", "/vol", new ByteArrayInputStream(in));
    assertThat(v.stat("/vol/dev/null").isCharDevice()).isTrue();
    assertThat(v.stat("/vol/dev/null").devMinor()).isEqualTo(3);
    assertThat(v.stat("/vol/dev/vda").isBlockDevice()).isTrue();
    assertThat(v.stat("/vol/dev/pipe").isFifo()).isTrue();
    assertThat(v.stat("/vol/dev/null").mtimeNanos()).isEqualTo(1_600_000_000_000_000_000L);
  }

  @Test
  void namesIdsAndErrors() throws IOException {
    String id = containers.create("base:1", null, List.of());
    assertThat(containers.inspect(id).name()).startsWith("strata_");
    assertThat(containers.inspect(id.substring(0, 5)).id()).isEqualTo(id);
    containers.create("base:1", "one", List.of());
    assertThatThrownBy(() -> containers.create("base:1", "one", List.of()))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> containers.create("base:1", "bad/name", List.of()))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> containers.create("nope:1", "x", List.of()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> containers.inspect("zzz")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> containers.remove("zzz", false)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(
            () ->
                containers.create(
                    "base:1",
                    "dup",
                    List.of(Mount.ofVolumeFlag("/a"), Mount.ofVolumeFlag("bb:/a"))))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> containers.view("one").stat("/missing"))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void anImageInUseIsNotRemovedAndDiskUsageCountsContainers() throws IOException {
    containers.create("base:1", "cc", List.of(Mount.ofVolumeFlag("vv:/v")));
    assertThatThrownBy(() -> fix.images().remove("base:1", containers::usesImage))
        .isInstanceOf(ConflictException.class);
    put(containers.view("cc"), "/f", "x".repeat(10_000));
    ContainerDiskUsage df = containers.diskUsage(fix.chunks());
    assertThat(df.total()).isEqualTo(1);
    assertThat(df.size()).isPositive();
    assertThat(containers.volumes().diskUsage().active()).isEqualTo(1);
    containers.remove("cc", false);
    assertThat(fix.images().remove("base:1", containers::usesImage)).isNotEmpty();
  }

  @Test
  void containersAndWritesSurviveAReopenAndACrashImage() throws IOException {
    String id = containers.create("base:1", "cc", List.of(Mount.ofVolumeFlag("vv:/v")));
    put(containers.view("cc"), "/etc/keep.conf", "changed");
    put(containers.view("cc"), "/v/f", "in volume");
    containers = fix.reopen();
    assertThat(new String(cat(containers.view("cc"), "/etc/keep.conf"), StandardCharsets.UTF_8))
        .isEqualTo("changed\n");
    put(containers.view("cc"), "/after", "reopen");
    // A half-made container: its snapshot was prepared, its config never written.
    fix.driver().prepare(ContainerStore.SNAPSHOT_PREFIX + "ab".repeat(32), null, Map.of());
    Files.createDirectories(fix.dataRoot().resolve("containers/.new-" + "cd".repeat(32)));

    Path crash = dir.resolve("crash");
    copy(fix.dataRoot(), crash);
    try (ContainerFixture after = new ContainerFixture(crash, List.of(host))) {
      ContainerStore c = after.containers();
      assertThat(c.list()).extracting(ContainerSummary::id).containsExactly(id);
      assertThat(new String(cat(c.view("cc"), "/after"), StandardCharsets.UTF_8))
          .isEqualTo("reopen");
      assertThat(new String(cat(c.view("cc"), "/v/f"), StandardCharsets.UTF_8))
          .isEqualTo("in volume");
      List<String> keys = new ArrayList<>();
      after.driver().walk(s -> keys.add(s.key()));
      assertThat(keys).doesNotContain(ContainerStore.SNAPSHOT_PREFIX + "ab".repeat(32));
      try (Stream<Path> s = Files.list(crash.resolve("containers"))) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly(id);
      }
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  @Test
  void fsOperationsWorkThroughTheView() throws IOException {
    containers.create("base:1", "cc", List.of(Mount.ofVolumeFlag("vv:/v")));
    ContainerView v = containers.view("cc");
    for (String root : List.of("", "/v")) {
      v.mkdir(root + "/d", 0750);
      put(v, root + "/d/f", "0123456789");
      v.truncate(root + "/d/f", 4);
      v.chmod(root + "/d/f", 0600);
      v.rename(root + "/d/f", root + "/d/g");
      v.symlink("g", root + "/d/link");
      v.link(root + "/d/g", root + "/d/hard");
      assertThat(v.stat(root + "/d/g").permissions()).isEqualTo(0600);
      assertThat(v.stat(root + "/d/g").size()).isEqualTo(4);
      assertThat(v.stat(root + "/d/g").nlink()).isEqualTo(2);
      assertThat(v.readlink(root + "/d/link")).isEqualTo("g");
      assertThat(cat(v, root + "/d/link")).isEqualTo("0123".getBytes(StandardCharsets.UTF_8));
      assertThat(v.list(root + "/d"))
          .extracting(e -> e.name())
          .containsExactly("g", "hard", "link");
      v.remove(root + "/d", true);
      assertThat(v.exists(root + "/d")).isFalse();
    }
    assertThatThrownBy(() -> v.rename("/etc/keep.conf", "/v/keep.conf"))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> v.remove("/v", true)).isInstanceOf(ConflictException.class);
    assertThat(v.list("/")).extracting(e -> e.name()).contains("v", "etc", "data");
  }
}

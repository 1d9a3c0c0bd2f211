package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seeded random sequence of file operations on a real Btrfs subvolume (a loop-mounted
 * image made with mkfs.btrfs) and on a btrfs-sim subvolume, then both trees compared: types, modes,
 * link counts, sizes (directories' too), contents and symlink targets, also of the snapshots taken
 * along the way, and which reads change access times (relatime). Needs root and btrfs-progs
 * (.ci/run installs it); skipped, saying why, only where no loop device can be had.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealBtrfsDifferentialIT {
  private static final long SEED = Long.getLong("strata.differential.seed", 14_2026L);
  private static final int OPS = 400;
  private static final int BLOCK = 4096;

  @TempDir static Path tmp;
  private Path mnt;
  private boolean mounted;
  private Fixture sim;

  @BeforeAll
  void mount() throws Exception {
    assertThat(run("id", "-u").trim()).as("the differential test runs as root").isEqualTo("0");
    assertThat(which("mkfs.btrfs"))
        .as("mkfs.btrfs is missing: apt-get install btrfs-progs")
        .isTrue();
    Path img = tmp.resolve("btrfs.img");
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(256L << 20);
    }
    run("mkfs.btrfs", "-q", img.toString());
    mnt = Files.createDirectories(tmp.resolve("mnt"));
    Process p =
        // max_inline=0: no inline extents, which btrfs-sim does not model (du counts them as 0)
        new ProcessBuilder("mount", "-o", "loop,max_inline=0", img.toString(), mnt.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Assumptions.assumeTrue(
        p.exitValue() == 0, "no loop device or btrfs mount available here: " + out.trim());
    mounted = true;
    sim = Fixture.open(tmp.resolve("sim"));
  }

  @AfterAll
  void unmount() throws Exception {
    if (sim != null) {
      sim.close();
    }
    if (mounted) {
      run("umount", mnt.toString());
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void randomSequencesOfFileOperationsEndTheSameOnBoth() throws Exception {
    for (long seed = SEED; seed < SEED + 4; seed++) {
      sequence(seed, false);
    }
  }

  /**
   * {@code btrfs filesystem du -s} of the subvolume and of every snapshot: total, exclusive and
   * set-shared bytes, files grown from the middle of a block included (Btrfs rewrites the block
   * holding the old end). Each write and truncate is fsynced on the real side, so that each is an
   * extent of its own, as btrfs-sim stores one chunk per write. With {@code
   * -Dstrata.differential.stepwise=true} both are compared after every operation, which names the
   * first one where they part.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void duOfRandomSequencesIsTheSameOnBoth() throws Exception {
    for (long seed = SEED + 100; seed < SEED + 103; seed++) {
      sequence(seed, true);
    }
  }

  /**
   * Files written whole, as a layer import writes them (btrfs-sim cuts them into content-defined
   * chunks, which do not start on blocks), then a read-only snapshot: {@code btrfs filesystem du
   * -s} of both subvolumes is the same on both, Set shared never above Total (docs/ADVERSARIAL.md,
   * Z4).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void duOfFilesWrittenWholeAndSnapshottedIsTheSameOnBoth() throws Exception {
    String vol = "import";
    run("btrfs", "subvolume", "create", mnt.resolve(vol).toString());
    sim.driver().prepare(vol, null, Map.of());
    Random r = new Random(SEED + 200);
    for (int size : new int[] {1_982_262, 300_001, 5000}) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      String f = "/f" + size;
      try (FileChannel ch =
          FileChannel.open(
              at(mnt.resolve(vol), f), StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
        ch.write(ByteBuffer.wrap(b));
        ch.force(true);
      }
      sim.driver().fs(vol).writeFile(f, new java.io.ByteArrayInputStream(b), 0644, 0, 0, 0);
    }
    run(
        "btrfs",
        "subvolume",
        "snapshot",
        "-r",
        mnt.resolve(vol).toString(),
        mnt.resolve(vol + "-ro").toString());
    sim.driver().snapshot(vol, vol + "-ro", true);
    run("btrfs", "filesystem", "sync", mnt.toString());
    for (String s : List.of(vol, vol + "-ro")) {
      assertThat(du(sim.driver().filesystemDu(s)))
          .as("btrfs filesystem du -s of %s", s)
          .isEqualTo(realDu(mnt.resolve(s)));
    }
  }

  private void sequence(long seed, boolean du) throws Exception {
    Random r = new Random(seed);
    String vol = (du ? "du" : "vol") + seed;
    run("btrfs", "subvolume", "create", mnt.resolve(vol).toString());
    sim.driver().prepare(vol, null, Map.of());
    Path real = mnt.resolve(vol);
    FileSystemView fs = sim.driver().fs(vol);
    List<String> snapshots = new ArrayList<>();
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < OPS; i++) {
      List<String> files = paths(real, false);
      List<String> dirs = paths(real, true);
      String dir = pick(r, dirs);
      String fresh = (dir.equals("/") ? "" : dir) + "/n" + i;
      int op = r.nextInt(100);
      String did;
      if (op < 25 || files.isEmpty()) {
        String f = files.isEmpty() || r.nextInt(3) == 0 ? fresh : pick(r, files);
        if (Files.isSymbolicLink(at(real, f))) {
          f = fresh;
        }
        long offset = r.nextInt(4) == 0 ? r.nextInt(200_000) : r.nextInt(9000);
        byte[] b = new byte[1 + r.nextInt(r.nextBoolean() ? 100 : 20_000)];
        r.nextBytes(b);
        boolean created = !Files.exists(at(real, f), LinkOption.NOFOLLOW_LINKS);
        try (FileChannel ch =
            FileChannel.open(at(real, f), StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
          ch.write(ByteBuffer.wrap(b), offset);
          if (du) {
            ch.force(true); // one extent per write, as btrfs-sim stores one chunk per write
          }
        }
        if (created) {
          Files.setPosixFilePermissions(at(real, f), perms(0644));
        }
        fs.write(f, offset, b, 0, b.length);
        did = "write " + f + " @" + offset + " +" + b.length;
      } else if (op < 35) {
        String f = pick(r, files);
        if (Files.isSymbolicLink(at(real, f))) {
          continue;
        }
        long size = r.nextInt(3) == 0 ? r.nextInt(300_000) : r.nextInt(10_000);
        try (RandomAccessFile raf = new RandomAccessFile(at(real, f).toFile(), "rw")) {
          raf.setLength(size);
          if (du) {
            raf.getChannel().force(true); // what growing rewrote is an extent of its own
          }
        }
        fs.truncate(f, size);
        did = "truncate " + f + " " + size;
      } else if (op < 45) {
        String f = pick(r, files);
        Files.move(at(real, f), at(real, fresh));
        fs.rename(f, fresh);
        did = "mv " + f + " " + fresh;
      } else if (op < 53) {
        String f = pick(r, files);
        if (Files.isSymbolicLink(at(real, f))) {
          continue;
        }
        Files.createLink(at(real, fresh), at(real, f));
        fs.link(f, fresh);
        did = "ln " + f + " " + fresh;
      } else if (op < 60) {
        String target = r.nextBoolean() ? pick(r, files) : "../t" + r.nextInt(5);
        Files.createSymbolicLink(at(real, fresh), Path.of(target));
        fs.symlink(target, fresh);
        did = "ln -s " + target + " " + fresh;
      } else if (op < 68) {
        List<String> all = new ArrayList<>(files);
        all.addAll(dirs);
        all.remove("/");
        if (all.isEmpty()) {
          continue;
        }
        String f = pick(r, all);
        if (Files.isSymbolicLink(at(real, f))) {
          continue;
        }
        int mode = new int[] {0600, 0644, 0755, 0700, 0640, 04755}[r.nextInt(6)];
        Files.setPosixFilePermissions(at(real, f), perms(mode));
        run("chmod", Integer.toOctalString(mode), at(real, f).toString()); // setuid bit too
        fs.chmod(f, mode);
        did = "chmod " + Integer.toOctalString(mode) + " " + f;
      } else if (op < 78) {
        String f = pick(r, files);
        Files.delete(at(real, f));
        fs.remove(f, false);
        did = "rm " + f;
      } else if (op < 90) {
        Files.createDirectory(at(real, fresh));
        Files.setPosixFilePermissions(at(real, fresh), perms(0755));
        fs.mkdir(fresh, 0755);
        did = "mkdir " + fresh;
      } else if (op < 96) {
        String d = pick(r, dirs);
        if (d.equals("/") || fs.list(d).size() > 0) {
          continue;
        }
        Files.delete(at(real, d));
        fs.remove(d, false);
        did = "rmdir " + d;
      } else {
        String name = vol + "-snap" + snapshots.size();
        run("btrfs", "subvolume", "snapshot", real.toString(), mnt.resolve(name).toString());
        sim.driver().snapshot(vol, name, false);
        snapshots.add(name);
        did = "btrfs subvolume snapshot " + vol + " " + name;
      }
      log.append(i).append(": ").append(did).append('\n');
      if (du && Boolean.getBoolean("strata.differential.stepwise")) {
        run("btrfs", "filesystem", "sync", mnt.toString());
        List<String> names = new ArrayList<>(snapshots);
        names.add(0, vol);
        for (String s : names) {
          assertThat(du(sim.driver().filesystemDu(s)))
              .as("STEP du of %s, seed %d, operations:\n%s", s, seed, log)
              .isEqualTo(realDu(mnt.resolve(s)));
        }
      }
    }
    assertThat(describe(real, fs, "/"))
        .as("seed %d, operations:\n%s", seed, log)
        .isEqualTo(describeReal(real, "/"));
    for (String s : snapshots) {
      assertThat(describe(mnt.resolve(s), sim.driver().fs(s), "/"))
          .as("snapshot %s, seed %d", s, seed)
          .isEqualTo(describeReal(mnt.resolve(s), "/"));
    }
    if (!du) {
      assertThat(readsChangingAtime(fs, real, seed))
          .as("relatime, seed %d", seed)
          .isEqualTo(readsChangingAtime(null, real, seed));
      return;
    }
    run("btrfs", "filesystem", "sync", mnt.toString());
    List<String> names = new ArrayList<>(snapshots);
    names.add(0, vol);
    for (String s : names) {
      assertThat(du(sim.driver().filesystemDu(s)))
          .as("btrfs filesystem du -s of %s, seed %d, operations:\n%s", s, seed, log)
          .isEqualTo(realDu(mnt.resolve(s)));
    }
  }

  /**
   * Linux mounts Btrfs with relatime, as btrfs-sim reads: every regular file was just read (by
   * {@link #describe}), then a random half is chmodded (ctime moves on, the mode stays), then each
   * is read twice; the lines say which reads changed the access time. {@code fs} null: the real
   * side ({@code real}); both pick the same half, by {@code seed}.
   */
  private static String readsChangingAtime(FileSystemView fs, Path real, long seed)
      throws Exception {
    Random pick = new Random(seed);
    StringBuilder b = new StringBuilder();
    List<String> files = new ArrayList<>();
    for (String f : paths(real, false)) {
      if (Files.isRegularFile(at(real, f), LinkOption.NOFOLLOW_LINKS)) {
        files.add(f);
      }
    }
    for (String f : files) {
      if (pick.nextBoolean()) {
        if (fs == null) {
          int mode = (Integer) Files.getAttribute(at(real, f), "unix:mode") & 07777;
          run("chmod", Integer.toOctalString(mode), at(real, f).toString());
        } else {
          fs.chmod(f, fs.stat(f).mode() & 07777);
        }
      }
    }
    for (String f : files) {
      b.append(f);
      for (int i = 0; i < 2; i++) {
        long before = atime(fs, real, f);
        if (fs == null) {
          Files.readAllBytes(at(real, f));
        } else {
          sha(fs.open(f));
        }
        b.append(atime(fs, real, f) != before ? " changed" : " kept");
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static long atime(FileSystemView fs, Path real, String f) throws IOException {
    if (fs != null) {
      return fs.stat(f).atimeNanos();
    }
    java.nio.file.attribute.FileTime t =
        (java.nio.file.attribute.FileTime)
            Files.getAttribute(at(real, f), "lastAccessTime", LinkOption.NOFOLLOW_LINKS);
    return t.to(TimeUnit.NANOSECONDS);
  }

  // ---- the trees as text: one line per path ----

  private static String describeReal(Path root, String path) throws IOException {
    StringBuilder b = new StringBuilder();
    Path p = at(root, path);
    Map<String, Object> a =
        Files.readAttributes(p, "unix:mode,nlink,size", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    b.append(line(path, mode, (Integer) a.get("nlink"), (Long) a.get("size")));
    if (Files.isSymbolicLink(p)) {
      b.append(" -> ").append(Files.readSymbolicLink(p));
    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      b.append(" sha ").append(sha(Files.newInputStream(p)));
    }
    b.append('\n');
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      TreeMap<String, Path> children = new TreeMap<>();
      try (Stream<Path> s = Files.list(p)) {
        s.forEach(c -> children.put(c.getFileName().toString(), c));
      }
      for (String name : children.keySet()) {
        b.append(describeReal(root, (path.equals("/") ? "" : path) + "/" + name));
      }
    }
    return b.toString();
  }

  private static String describe(Path unused, FileSystemView fs, String path) throws IOException {
    StringBuilder b = new StringBuilder();
    FileStat st = fs.stat(path);
    b.append(line(path, st.mode(), st.nlink(), st.size()));
    if (st.isSymlink()) {
      b.append(" -> ").append(fs.readlink(path));
    } else if (st.isRegular()) {
      b.append(" sha ").append(sha(fs.open(path)));
    }
    b.append('\n');
    if (st.isDirectory()) {
      for (DirEntry e : fs.list(path)) {
        b.append(describe(unused, fs, (path.equals("/") ? "" : path) + "/" + e.name()));
      }
    }
    return b.toString();
  }

  private static String line(String path, int mode, int nlink, long size) {
    return path + " mode " + Integer.toOctalString(mode) + " nlink " + nlink + " size " + size;
  }

  private static String sha(InputStream in) throws IOException {
    try (in) {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[64 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code btrfs filesystem du -s --raw}'s figures: total, exclusive, set shared. */
  private static String realDu(Path p) throws Exception {
    String[] lines = run("btrfs", "filesystem", "du", "-s", "--raw", p.toString()).split("\n");
    String[] f = lines[1].trim().split("\\s+");
    return "total " + f[0] + " exclusive " + f[1] + " set shared " + f[2];
  }

  private static String du(FilesystemDu.Usage u) {
    return "total " + u.total() + " exclusive " + u.exclusive() + " set shared " + u.setShared();
  }

  // ---- helpers ----

  /** Every path under {@code root} that is a directory ({@code dirs}) or not, sorted. */
  private static List<String> paths(Path root, boolean dirs) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) == dirs)
          .forEach(p -> out.add("/" + root.relativize(p).toString().replace('\\', '/')));
    }
    out.replaceAll(p -> p.equals("/") ? "/" : p);
    out.sort(null);
    return out;
  }

  private static Path at(Path root, String path) {
    return path.equals("/") ? root : root.resolve(path.substring(1));
  }

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  private static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        s.add(order[i]);
      }
    }
    return s;
  }

  private static boolean which(String tool) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    return out;
  }
}

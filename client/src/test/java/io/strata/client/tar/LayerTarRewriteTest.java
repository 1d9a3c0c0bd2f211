package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LayerTarRewriteTest {
  @TempDir Path dir;

  /** A tree with nested directories, modes, an empty file, a symlink and two names of one file. */
  private Path tree() throws IOException {
    Path parent = Files.createDirectories(dir.resolve("parent"));
    Path top = Files.createDirectories(parent.resolve("top"));
    Files.createDirectories(top.resolve("b/deep"));
    Files.createDirectories(top.resolve("a-dir"));
    Path tool = Files.writeString(top.resolve("b/tool"), "#!/bin/sh\necho tool\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    // sorted first, so the canonical form gives it the content and makes b/tool the link
    Files.createLink(top.resolve("a-dir/link"), tool);
    Files.write(top.resolve("c.bin"), new byte[300_000]);
    Files.createFile(top.resolve("empty"));
    Files.createSymbolicLink(top.resolve("sym"), Path.of("b/tool"));
    long second = 1_700_000_000L;
    try (Stream<Path> all = Files.walk(top)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        FileTime t = FileTime.from(second++, TimeUnit.SECONDS);
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setTimes(t, null, null);
      }
    }
    return parent;
  }

  /**
   * The tree under {@code parent} as GNU tar might list it: {@code ./} names, reverse order (so a
   * directory comes after what it holds), user names, a hard link after its file.
   */
  private Path gnuStyleTar(Path parent) throws IOException {
    List<Path> paths;
    try (Stream<Path> all = Files.walk(parent.resolve("top"))) {
      paths = all.sorted(Comparator.reverseOrder()).toList();
    }
    Path tarFile = dir.resolve("in.tar");
    try (OutputStream file = Files.newOutputStream(tarFile);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      String toolName = null;
      for (Path p : paths) {
        String name = "./" + parent.relativize(p);
        Map<String, Object> a =
            Files.readAttributes(
                p, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        TarArchiveEntry e;
        boolean content = false;
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
        } else if (Files.isSymbolicLink(p)) {
          e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          e.setLinkName(Files.readSymbolicLink(p).toString());
        } else if (p.endsWith("a-dir/link")) {
          e = new TarArchiveEntry(name, TarConstants.LF_LINK);
          e.setLinkName(toolName);
        } else {
          e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          e.setSize((Long) a.get("size"));
          content = true;
          if (p.endsWith("b/tool")) {
            toolName = name;
          }
        }
        e.setMode((Integer) a.get("mode"));
        e.setUserId(((Number) a.get("uid")).longValue());
        e.setGroupId(((Number) a.get("gid")).longValue());
        e.setUserName("someone");
        e.setGroupName("somegroup");
        e.setModTime((FileTime) a.get("lastModifiedTime"));
        tar.putArchiveEntry(e);
        if (content) {
          tar.write(Files.readAllBytes(p));
        }
        tar.closeArchiveEntry();
      }
    }
    return tarFile;
  }

  @Test
  void aTarInAnotherOrderBecomesTheTarTheDirectoryGives() throws Exception {
    Path parent = tree();
    Path tar = gnuStyleTar(parent);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    TreeTar.writeLayer(parent, expected);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(LayerTarRewrite.write(tar, out)).isTrue();

    assertThat(out.toByteArray())
        .as("byte for byte the canonical form of the same tree")
        .isEqualTo(expected.toByteArray());
    assertThat(out.toByteArray()).isNotEqualTo(Files.readAllBytes(tar));
  }

  /** One entry of a hand-made tar: a name, a type, and for a file its content. */
  private record Entry(String name, byte type, String content, String link) {
    static Entry dir(String name) {
      return new Entry(name, TarConstants.LF_DIR, null, null);
    }

    static Entry file(String name, String content) {
      return new Entry(name, TarConstants.LF_NORMAL, content, null);
    }
  }

  private Path tarOf(List<Entry> entries, Consumer<TarArchiveEntry> edit) throws IOException {
    Path tarFile = Files.createTempFile(dir, "t", ".tar");
    try (OutputStream file = Files.newOutputStream(tarFile);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry x : entries) {
        TarArchiveEntry e = new TarArchiveEntry(x.name(), x.type());
        e.setModTime(FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        byte[] data = x.content() == null ? null : x.content().getBytes(StandardCharsets.UTF_8);
        if (data != null) {
          e.setSize(data.length);
        }
        if (x.link() != null) {
          e.setLinkName(x.link());
        }
        edit.accept(e);
        tar.putArchiveEntry(e);
        if (data != null) {
          tar.write(data);
        }
        tar.closeArchiveEntry();
      }
    }
    return tarFile;
  }

  /**
   * {@code tar} with the {@code _} of the first {@code text} in a header made a 0xff byte, the
   * header's checksum made again: a name no String can write.
   */
  private static Path withByte(Path tar, String text) throws IOException {
    byte[] b = Files.readAllBytes(tar);
    int at = new String(b, StandardCharsets.ISO_8859_1).indexOf(text);
    b[at + text.indexOf('_')] = (byte) 0xff;
    int header = at / 512 * 512;
    Arrays.fill(b, header + 148, header + 156, (byte) ' ');
    long sum = 0;
    for (int i = header; i < header + 512; i++) {
      sum += b[i] & 0xff;
    }
    byte[] field = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, b, header + 148, 8);
    return Files.write(tar, b);
  }

  private static boolean rewrites(Path tar, ByteArrayOutputStream out) throws IOException {
    return LayerTarRewrite.write(tar, out);
  }

  @Test
  void aTarWhoseTreeTheRewriteWouldChangeIsLeftAsItIs() throws Exception {
    List<Entry> ok = List.of(Entry.dir("a/"), Entry.file("a/f", "x"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(rewrites(tarOf(ok, e -> {}), out)).as("the control").isTrue();

    Map<String, Path> refused = new LinkedHashMap<>();
    List<Entry> withRoot = new ArrayList<>(ok);
    withRoot.add(0, Entry.dir("./"));
    refused.put("a root entry (its mode and time)", tarOf(withRoot, e -> {}));
    List<Entry> twice = new ArrayList<>(ok);
    twice.add(Entry.file("./a/f", "y"));
    refused.put("an entry twice (the later wins)", tarOf(twice, e -> {}));
    refused.put(
        "a parent with no entry (the server makes it)",
        tarOf(List.of(Entry.file("a/f", "x")), e -> {}));
    refused.put(
        "an extended attribute",
        tarOf(
            ok,
            e -> {
              if (e.getName().equals("a/f")) {
                e.addPaxHeader("SCHILY.xattr.user.k", "v");
              }
            }));
    refused.put(
        "a whiteout", tarOf(List.of(Entry.dir("a/"), Entry.file("a/.wh.gone", "")), e -> {}));
    refused.put(
        "a hard link to nothing before it",
        tarOf(
            List.of(Entry.dir("a/"), new Entry("a/l", TarConstants.LF_LINK, null, "a/f")),
            e -> {}));
    refused.put(
        "a non-ASCII name", tarOf(List.of(Entry.dir("a/"), Entry.file("a/é", "x")), e -> {}));
    // decoded as UTF-8, 0xff would be '?': an ASCII name of a file the server never saw
    refused.put(
        "a name that is not UTF-8",
        withByte(tarOf(List.of(Entry.dir("a/"), Entry.file("a/bad_1", "x")), e -> {}), "bad_1"));
    refused.put(
        "a link target that is not UTF-8",
        withByte(
            tarOf(
                List.of(Entry.dir("a/"), new Entry("a/l", TarConstants.LF_SYMLINK, null, "t_")),
                e -> {}),
            "t_"));
    // the PAX record GNU tar writes for a time with a fraction: "22 mtime=1700000000.5\n"
    Entry paxTime =
        new Entry(
            "PaxHeaders/f",
            TarConstants.LF_PAX_EXTENDED_HEADER_LC,
            "22 mtime=1700000000.5\n",
            null);
    refused.put(
        "a time with a fraction of a second",
        tarOf(List.of(Entry.dir("a/"), paxTime, Entry.file("a/f", "x")), e -> {}));
    Path notTar = Files.write(dir.resolve("not.tar"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2});
    refused.put("not a tar", notTar);

    for (Map.Entry<String, Path> r : refused.entrySet()) {
      ByteArrayOutputStream none = new ByteArrayOutputStream();
      assertThat(rewrites(r.getValue(), none)).as(r.getKey()).isFalse();
      assertThat(none.size()).as(r.getKey() + ": nothing written").isZero();
    }
  }

  @Test
  void devicesAndFifosKeepTheirNumbersAndTheirOtherNamesBecomeLinks() throws Exception {
    List<Entry> entries =
        List.of(
            Entry.dir("dev/"),
            new Entry("dev/null", TarConstants.LF_CHR, null, null),
            new Entry("dev/sda", TarConstants.LF_BLK, null, null),
            new Entry("dev/z-fifo", TarConstants.LF_FIFO, null, null),
            new Entry("dev/a-fifo", TarConstants.LF_LINK, null, "dev/z-fifo"));
    Path tar =
        tarOf(
            entries,
            e -> {
              if (e.getName().equals("dev/null")) {
                e.setDevMajor(1);
                e.setDevMinor(3);
              } else if (e.getName().equals("dev/sda")) {
                e.setDevMajor(8);
                e.setDevMinor(0);
              }
              e.setMode(e.isFIFO() ? 0600 : 0660);
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(LayerTarRewrite.write(tar, out)).isTrue();

    List<TarArchiveEntry> written = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        written.add(e);
      }
    }
    assertThat(written.stream().map(TarArchiveEntry::getName))
        .containsExactly("dev/", "dev/a-fifo", "dev/null", "dev/sda", "dev/z-fifo");
    assertThat(written.get(1).isFIFO()).as("the FIFO under its first name").isTrue();
    assertThat(written.get(1).getMode()).isEqualTo(0600);
    assertThat(written.get(2).isCharacterDevice()).isTrue();
    assertThat(List.of(written.get(2).getDevMajor(), written.get(2).getDevMinor()))
        .containsExactly(1, 3);
    assertThat(written.get(3).isBlockDevice()).isTrue();
    assertThat(List.of(written.get(3).getDevMajor(), written.get(3).getDevMinor()))
        .containsExactly(8, 0);
    assertThat(written.get(4).isLink()).isTrue();
    assertThat(written.get(4).getLinkName()).isEqualTo("dev/a-fifo");
  }

  @Test
  void namesAreThoseTheServerPlaces() {
    assertThat(LayerTarRewrite.normalize("./a//b/./c/")).isEqualTo("a/b/c");
    assertThat(LayerTarRewrite.normalize("./")).isEmpty();
    assertThat(LayerTarRewrite.normalize("/etc/passwd")).isNull();
    assertThat(LayerTarRewrite.normalize("a/../b")).isNull();
    assertThat(LayerTarRewrite.normalize("a/.wh..wh..opq")).isNull();
  }
}

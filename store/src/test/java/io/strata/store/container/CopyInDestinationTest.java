package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.container.ContainerStore.CopyForm;
import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code cp} into a container puts a tar, as {@code docker cp} does: DEST's symlinks are
 * followed inside the container's root, the last one included, so a merged-/usr image's {@code /bin
 * -> usr/bin} receives into {@code /usr/bin} and is never replaced (F2, session 17); a tar from
 * standard input goes into an existing directory only, the error naming DEST (F24). The link
 * targets used lie where the host has nothing ({@code /strata-only}), so a link wrongly followed on
 * the host fails instead of writing there.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CopyInDestinationTest {
  @TempDir Path dir;
  ContainerFixture fix;
  ContainerStore containers;
  Path bind;

  @BeforeEach
  void open() throws IOException {
    Path host = Files.createDirectories(dir.resolve("host"));
    bind = Files.createDirectories(host.resolve("bind"));
    fix = new ContainerFixture(dir.resolve("data"), List.of(host));
    containers = fix.containers();
    Path base = dir.resolve("base");
    Files.createDirectories(base.resolve("usr/bin"));
    Files.writeString(base.resolve("usr/bin/sh"), "#!sh\n");
    Files.createSymbolicLink(base.resolve("bin"), Path.of("usr/bin")); // Debian's merged /usr
    Files.createDirectories(base.resolve("olddir"));
    Files.writeString(base.resolve("olddir/a"), "old a\n");
    Files.createDirectories(base.resolve("strata-only"));
    fix.images().importPath(base.toString(), "merged:1");
    containers.create(
        "merged:1",
        "cc",
        List.of(
            Mount.ofVolumeFlag("vv:/vol"),
            Mount.ofMountFlag("type=bind,src=" + bind + ",dst=/bnd")));
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private static InputStream tar(TarBuilder t) throws IOException {
    return new ByteArrayInputStream(t.bytes());
  }

  private static InputStream file(String name, String content) throws IOException {
    return tar(new TarBuilder().file(name, content));
  }

  private String cat(String path) throws IOException {
    try (InputStream in = containers.view("cc").open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void assertLink(String path, String target) throws IOException {
    ContainerView v = containers.view("cc");
    assertThat(v.stat(path).isSymlink()).as(path + " is still a symlink").isTrue();
    assertThat(v.readlink(path)).isEqualTo(target);
  }

  @Test
  void aDestinationSymlinkIsFollowedInsideTheContainerAndNeverReplaced() throws IOException {
    ContainerView v = containers.view("cc");
    v.symlink("/olddir", "/linkdir");
    v.symlink("olddir/a", "/linkfile");
    v.symlink("/bin", "/chain"); // a link to a link
    v.symlink("../../../usr/bin", "/up"); // .. stops at the container's root
    v.symlink("/olddir/new", "/dangling");
    v.symlink("/vol", "/tovol");

    containers.copyIn("cc", "/bin", file("mytool", "tool\n"));
    assertLink("/bin", "usr/bin");
    assertThat(cat("/usr/bin/mytool")).isEqualTo("tool\n");
    containers.copyIn("cc", "/bin/renamed", file("mytool", "renamed\n"));
    assertThat(cat("/usr/bin/renamed")).isEqualTo("renamed\n");
    containers.copyIn("cc", "/linkdir/", file("f", "f\n"));
    assertThat(cat("/olddir/f")).isEqualTo("f\n");
    containers.copyIn("cc", "/linkfile", file("whatever", "through\n"));
    assertLink("/linkfile", "olddir/a");
    assertThat(cat("/olddir/a")).isEqualTo("through\n");
    containers.copyIn("cc", "/chain", file("c1", "c1\n"));
    containers.copyIn("cc", "/up", file("u1", "u1\n"));
    assertThat(cat("/usr/bin/c1")).isEqualTo("c1\n");
    assertThat(cat("/usr/bin/u1")).isEqualTo("u1\n");
    containers.copyIn("cc", "/dangling", file("d", "made\n"));
    assertLink("/dangling", "/olddir/new");
    assertThat(cat("/olddir/new")).isEqualTo("made\n");

    // a layer link into a volume lands in the volume
    containers.copyIn("cc", "/tovol", file("tv", "tv\n"));
    Path vol = Path.of(containers.volumes().inspect("vv").mountpoint());
    assertThat(vol.resolve("tv")).hasContent("tv");
    // a link in a volume or bind mount names the container's paths, never the host's
    Files.createSymbolicLink(vol.resolve("abs"), Path.of("/strata-only"));
    Files.createSymbolicLink(bind.resolve("rel"), Path.of("../strata-only"));
    containers.copyIn("cc", "/vol/abs", file("va", "va\n"));
    containers.copyIn("cc", "/bnd/rel", file("br", "br\n"));
    assertThat(cat("/strata-only/va")).isEqualTo("va\n");
    assertThat(cat("/strata-only/br")).isEqualTo("br\n");
    assertThat(Files.isSymbolicLink(vol.resolve("abs"))).isTrue();
    assertThat(Files.isSymbolicLink(bind.resolve("rel"))).isTrue();

    // SRC/. into a link to a directory: the content goes in, the directory keeps its mode
    int mode = v.stat("/usr/bin").mode() & 07777;
    containers.copyIn(
        "cc",
        "/bin",
        tar(new TarBuilder().dir("src", 0700).file("src/k1", "k1\n")),
        CopyForm.CONTENT);
    assertThat(cat("/usr/bin/k1")).isEqualTo("k1\n");
    assertThat(v.exists("/usr/bin/src")).isFalse();
    assertThat(v.stat("/usr/bin").mode() & 07777).isEqualTo(mode);
    assertLink("/bin", "usr/bin");
    // ... and to a new name, DEST is made as the directory
    containers.copyIn(
        "cc",
        "/bin/made",
        tar(new TarBuilder().dir("src", 0700).file("src/k2", "k2\n")),
        CopyForm.CONTENT);
    assertThat(cat("/usr/bin/made/k2")).isEqualTo("k2\n");
  }

  @Test
  void aDestinationThatLeadsNowhereIsRefusedNamingWhereAndChangesNothing() throws IOException {
    ContainerView v = containers.view("cc");
    v.symlink("/loop2", "/loop1");
    v.symlink("/loop1", "/loop2");
    containers.change("cc", x -> null);
    var before = containers.diff("cc");

    assertThatThrownBy(() -> containers.copyIn("cc", "/loop1", file("x", "x")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("too many levels of symlinks");
    assertThatThrownBy(() -> containers.copyIn("cc", "/bin/nodir/x", file("x", "x")))
        .isInstanceOf(NotFoundException.class)
        .hasMessage(
            "directory /usr/bin/nodir does not exist in the container"
                + " (/bin/nodir/x leads there through a symlink)");
    assertThatThrownBy(() -> containers.copyIn("cc", "/nope/x", file("x", "x")))
        .isInstanceOf(NotFoundException.class)
        .hasMessage("directory /nope does not exist in the container");
    assertThatThrownBy(() -> containers.copyIn("cc", "/olddir/a/x", file("x", "x")))
        .isInstanceOf(NotFoundException.class)
        .hasMessage("path /olddir/a is not a directory in the container");
    assertThatThrownBy(() -> containers.copyIn("cc", "/olddir/a/", file("x", "x")))
        .isInstanceOf(ConflictException.class)
        .hasMessage("destination /olddir/a/ is not a directory in the container");
    assertThat(containers.diff("cc")).isEqualTo(before);
    assertLink("/bin", "usr/bin");
  }

  @Test
  void aTarFromStandardInputGoesIntoAnExistingDirectoryOnly() throws IOException {
    TarBuilder dot = new TarBuilder().dir(".", 0755).dir("./a", 0755).file("./a/one", "1\n");
    var before = containers.diff("cc");
    assertThatThrownBy(() -> containers.copyIn("cc", "/newdest", tar(dot), CopyForm.STREAM))
        .isInstanceOf(NotFoundException.class)
        .hasMessage(
            "destination directory /newdest does not exist in the container: a tar read from"
                + " standard input (cp - C:DEST) is unpacked into an existing directory");
    TarBuilder one = new TarBuilder().file("ufile", "u\n");
    assertThatThrownBy(() -> containers.copyIn("cc", "/olddir/a", tar(one), CopyForm.STREAM))
        .isInstanceOf(ConflictException.class)
        .hasMessageStartingWith("destination /olddir/a is not a directory in the container: ");
    assertThat(containers.diff("cc")).isEqualTo(before);
    assertThat(cat("/olddir/a")).isEqualTo("old a\n");

    // into a directory, through DEST's link, the tar's names kept
    containers.copyIn(
        "cc",
        "/bin",
        tar(
            new TarBuilder()
                .dir(".", 0755)
                .dir("./a", 0755)
                .file("./a/one", "1\n")
                .file("two", "2\n")),
        CopyForm.STREAM);
    assertThat(cat("/usr/bin/a/one")).isEqualTo("1\n");
    assertThat(cat("/usr/bin/two")).isEqualTo("2\n");
    assertLink("/bin", "usr/bin");
  }

  @Test
  void aTarOfSeveralTopEntriesIsNotRenamedOneOverTheOther() throws IOException {
    var before = containers.diff("cc");
    TarBuilder two = new TarBuilder().file("a", "a\n").file("b", "b\n");
    assertThatThrownBy(() -> containers.copyIn("cc", "/nd3", tar(two)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("the tar copied to /nd3 has several top entries");
    assertThat(containers.diff("cc")).isEqualTo(before);
    // into an existing directory such a tar is fine
    containers.copyIn("cc", "/olddir", tar(new TarBuilder().file("a2", "a\n").file("b2", "b\n")));
    assertThat(cat("/olddir/b2")).isEqualTo("b\n");
  }
}

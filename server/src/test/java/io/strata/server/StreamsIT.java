package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.cli.StrataCli;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker's streams: {@code image import -} and {@code load} read standard input, {@code image
 * export} and {@code save} without {@code -o} write standard output, and {@code blob get | head}
 * ends quietly when head closes the pipe.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StreamsIT {
  @TempDir Path dir;

  @Test
  void importAndLoadReadStandardInput() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] archive = Tars.dockerSave(Tars.of("etc/motd", "hello\n"), "piped:1");
      TestServer.CliRun r =
          s.cli(Map.of(), new ByteArrayInputStream(archive), "image", "import", "-");
      assertThat(r.code()).as(r.stderr()).isZero();
      assertThat(r.out()).isEqualTo("Loaded image: piped:1\n");
      byte[] other = Tars.dockerSave(Tars.of("etc/motd", "other\n"), "loaded:1");
      r = s.cli(Map.of(), new ByteArrayInputStream(other), "load");
      assertThat(r.code()).as(r.stderr()).isZero();
      assertThat(r.out()).isEqualTo("Loaded image: loaded:1\n");
      Path file = Files.write(dir.resolve("a.tar"), Tars.dockerSave(Tars.of("x", "x\n"), "file:1"));
      r = s.cli("load", "-i", file.toString(), "-q");
      assertThat(r.code()).as(r.stderr()).isZero();
      assertThat(r.out()).isEmpty();
      assertThat(s.cli("image", "ls").out()).contains("piped").contains("loaded").contains("file");
      // a bad tar on standard input is named so, not after the server's spool file
      // one whole entry, then a header cut short
      byte[] cut = Arrays.copyOf(Tars.of("etc/motd", "whole\n"), 1024 + 300);
      System.arraycopy(Tars.of("etc/cut", "cut\n"), 0, cut, 1024, 300);
      r = s.cli(Map.of(), new ByteArrayInputStream(cut), "image", "import", "-");
      assertThat(r.code()).isNotZero();
      assertThat(r.stderr()).contains("stdin").doesNotContain("import.tar");
    }
  }

  @Test
  void exportAndSaveWriteStandardOutput() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] archive = Tars.dockerSave(Tars.of("etc/motd", "hello\n"), "app:1");
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(archive), "load").code()).isZero();
      TestServer.CliRun oci = s.cli("image", "export", "app:1");
      assertThat(oci.code()).as(oci.stderr()).isZero();
      assertThat(names(oci.stdout())).contains("index.json", "oci-layout");
      TestServer.CliRun saved = s.cli("save", "app:1");
      assertThat(saved.code()).as(saved.stderr()).isZero();
      assertThat(names(saved.stdout())).contains("manifest.json");
      TestServer.CliRun dash =
          s.cli("image", "export", "app:1", "--type", "docker-archive", "-o", "-");
      assertThat(dash.code()).as(dash.stderr()).isZero();
      assertThat(names(dash.stdout())).contains("manifest.json");
      // what save wrote loads back as the same image
      assertThat(s.cli("image", "rm", "app:1").code()).isZero();
      TestServer.CliRun back = s.cli(Map.of(), new ByteArrayInputStream(saved.stdout()), "load");
      assertThat(back.code()).as(back.stderr()).isZero();
      assertThat(back.out()).isEqualTo("Loaded image: app:1\n");
    }
  }

  /**
   * A gzipped {@code strata save}, as {@code docker load} takes it (docs/ADVERSARIAL.md, U2): from
   * a file ({@code load -i}) and from standard input, it loads as the archive it holds, with the
   * plain archive's image id and tags.
   */
  @Test
  void loadTakesAGzippedSaveAsThePlainArchive() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] archive = Tars.dockerSave(Tars.of("etc/motd", "hello\n"), "app:1");
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(archive), "load").code()).isZero();
      assertThat(s.cli("image", "tag", "app:1", "app:2").code()).isZero();
      String id = s.cli("image", "inspect", "--format", "{{.Id}}", "app:1").out();
      TestServer.CliRun saved = s.cli("save", "app:1", "app:2");
      assertThat(saved.code()).as(saved.stderr()).isZero();
      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
        z.write(saved.stdout());
      }
      Path file = Files.write(dir.resolve("app.tar.gz"), gz.toByteArray());
      for (int i = 0; i < 2; i++) {
        assertThat(s.cli("image", "rm", "app:1", "app:2").code()).isZero();
        TestServer.CliRun r =
            i == 0
                ? s.cli("load", "-i", file.toString())
                : s.cli(Map.of(), new ByteArrayInputStream(gz.toByteArray()), "load");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.out()).isEqualTo("Loaded image: app:1\nLoaded image: app:2\n");
        assertThat(s.cli("image", "inspect", "--format", "{{.Id}}", "app:2").out()).isEqualTo(id);
        assertThat(s.cli("images", "-q").out().lines().distinct().count()).isEqualTo(1);
      }
    }
  }

  @Test
  void saveOfSeveralImagesWritesOneArchiveThatLoadsThemAll() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] app = Tars.dockerSave(Tars.of("etc/motd", "hello\n"), "app:1");
      byte[] other = Tars.dockerSave(Tars.of("etc/issue", "other\n"), "other:1");
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(app), "load").code()).isZero();
      assertThat(s.cli(Map.of(), new ByteArrayInputStream(other), "load").code()).isZero();
      assertThat(s.cli("image", "tag", "app:1", "app:2").code()).isZero();
      TestServer.CliRun saved = s.cli("save", "app:1", "other:1", "app:2");
      assertThat(saved.code()).as(saved.stderr()).isZero();
      List<String> names = names(saved.stdout());
      // app:1 and app:2 are one image: its config and layer are written once
      assertThat(names).doesNotHaveDuplicates().contains("manifest.json", "repositories");
      for (String t : List.of("app:1", "other:1", "app:2")) {
        assertThat(s.cli("image", "rm", t).code()).isZero();
      }
      TestServer.CliRun back = s.cli(Map.of(), new ByteArrayInputStream(saved.stdout()), "load");
      assertThat(back.code()).as(back.stderr()).isZero();
      assertThat(s.cli("image", "ls").out()).contains("app").contains("other");
      assertThat(s.cli("image", "inspect", "app:2").code()).isZero();
      assertThat(s.cli("image", "inspect", "other:1").code()).isZero();
      // several images go in a docker-archive only
      assertThat(s.cli("image", "export", "app:1", "app:2").code()).isNotZero();
    }
  }

  @Test
  void blobGetIntoHeadEndsQuietly() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      Path big = TestData.write(dir, "big", TestData.random(7, 32 << 20));
      TestServer.CliRun put = s.cli("blob", "put", big.toString());
      assertThat(put.code()).as(put.stderr()).isZero();
      String digest = put.out().strip();
      String strata =
          String.join(
              " ",
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              "'" + System.getProperty("java.class.path") + "'",
              StrataCli.class.getName(),
              "--host",
              s.address().toString());
      Path err = dir.resolve("err");
      Cli.Result r =
          Cli.sh(
              "bash -c \""
                  + strata
                  + " blob get "
                  + digest
                  + " 2>"
                  + err
                  + " | head -c 10 >/dev/null; echo exit=\\${PIPESTATUS[0]}\"",
              120);
      assertThat(r.out()).isEqualTo("exit=0\n");
      assertThat(Files.readString(err)).isEmpty();
    }
  }

  private static List<String> names(byte[] tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = new ByteArrayInputStream(tar);
        TarArchiveInputStream t = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        names.add(e.getName());
      }
    }
    assertThat(names)
        .as(new String(tar, 0, Math.min(200, tar.length), StandardCharsets.UTF_8))
        .isNotEmpty();
    return names;
  }
}

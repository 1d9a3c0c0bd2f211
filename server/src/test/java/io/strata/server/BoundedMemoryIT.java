package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12: a layer of many small files imports into a stratad whose heap is far smaller than the
 * layer's metadata would take if held in memory, and comes back whole. Before trees stored their
 * changed nodes against a budget, this import ran out of heap.
 */
class BoundedMemoryIT {
  private static final int DIRS = 1_200;
  private static final int FILES_PER_DIR = 100;

  /** A heap in which the whole changed tree of this layer (about 70 MiB) does not fit. */
  private static final List<String> SMALL_HEAP = List.of("-Xmx80m", "-XX:+UseSerialGC");

  @TempDir Path dir;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aLayerOf120000FilesImportsIntoAn80MiBHeapAndExportsWhole() throws Exception {
    Path layer = dir.resolve("layer.tar");
    writeLayer(layer);
    try (StratadProcess server =
        StratadProcess.launch(
            SMALL_HEAP, dir.resolve("logs"), "--data", dir.resolve("data").toString())) {
      assertThat(server.awaitReady()).as(server.stderr()).isTrue();
      String host = "127.0.0.1:" + server.port();

      Run imported = cli(host, "image", "import", layer.toString(), "-t", "many:1");
      assertThat(imported.code()).as(imported.err() + server.stderr()).isZero();
      assertThat(imported.out()).contains("Loaded image: many:1");

      Run created = cli(host, "create", "--name", "many", "many:1");
      assertThat(created.code()).as(created.err()).isZero();
      Path exported = dir.resolve("export.tar");
      Run export = cli(host, "export", "many", "-o", exported.toString());
      assertThat(export.code()).as(export.err() + server.stderr()).isZero();

      int files = 0;
      try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(exported))) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          if (e.isFile()) {
            String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
            assertThat(tar.readAllBytes()).as(name).isEqualTo(content(name));
            files++;
          }
        }
      }
      assertThat(files).isEqualTo(DIRS * FILES_PER_DIR);
      assertThat(server.process().isAlive()).as(server.stderr()).isTrue();
    }
  }

  /** {@value #DIRS} directories of {@value #FILES_PER_DIR} files of 50 to 499 bytes. */
  private static void writeLayer(Path to) throws IOException {
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(to)))) {
      for (int d = 0; d < DIRS; d++) {
        TarArchiveEntry de = new TarArchiveEntry(String.format("d%04d/", d));
        de.setMode(040755);
        tar.putArchiveEntry(de);
        tar.closeArchiveEntry();
        for (int f = 0; f < FILES_PER_DIR; f++) {
          String name = String.format("d%04d/f%03d.txt", d, f);
          byte[] b = content(name);
          TarArchiveEntry fe = new TarArchiveEntry(name);
          fe.setMode(0100644);
          fe.setSize(b.length);
          tar.putArchiveEntry(fe);
          tar.write(b);
          tar.closeArchiveEntry();
        }
      }
    }
  }

  /** The content of file {@code name}: its name repeated, 50 to 499 bytes as the name decides. */
  private static byte[] content(String name) {
    byte[] unit = (name + "\n").getBytes(StandardCharsets.US_ASCII);
    int size = 50 + Math.floorMod(name.hashCode(), 450);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = unit[i % unit.length];
    }
    return b;
  }

  private record Run(int code, String out, String err) {}

  private static Run cli(String host, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    InputStream none = new ByteArrayInputStream(new byte[0]);
    OutputStream raw = out;
    Terminal t =
        new Terminal(
            none,
            raw,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("STRATA_HOST", host),
            false);
    int code = StrataCli.run(Arrays.copyOf(args, args.length), t);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

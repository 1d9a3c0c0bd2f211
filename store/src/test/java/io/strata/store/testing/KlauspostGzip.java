package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real klauspost compressors: the store module's {@code src/test/go/kpgzip} built once per run
 * with Debian's Go against Debian's klauspost/compress 1.15.12 and klauspost/pgzip 1.2.5 (GOPATH
 * mode on /usr/share/gocode, offline) into {@code target/}.
 */
public final class KlauspostGzip {
  /** Where Debian's golang-github-klauspost-*-dev packages put their sources. */
  public static final Path GOCODE = Path.of("/usr/share/gocode");

  private static Path built;

  private KlauspostGzip() {}

  /**
   * The writers kpgzip can run: klauspost's gzip, pgzip as containers/image calls it, and pgzip
   * with 256 KiB blocks as umoci 0.4.7 calls it.
   */
  public enum Mode {
    GZIP("gzip"),
    PGZIP("pgzip"),
    PGZIP_256K("pgzip256k");

    final String arg;

    Mode(String arg) {
      this.arg = arg;
    }
  }

  public static synchronized Path binary() throws IOException, InterruptedException {
    if (built != null) {
      return built;
    }
    assertThat(GOCODE.resolve("src/github.com/klauspost/pgzip/gzip.go"))
        .as("klauspost/pgzip's sources: apt-get install golang-github-klauspost-pgzip-dev")
        .exists();
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    Path out = target.resolve("kpgzip");
    Path log = target.resolve("kpgzip.build.log");
    ProcessBuilder pb =
        new ProcessBuilder("go", "build", "-o", out.toString(), ".")
            .directory(sources().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPATH", GOCODE.toString());
    pb.environment().put("GOCACHE", target.resolve("gocache").toString());
    Process p = pb.start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done && p.exitValue() == 0)
        .as(
            "go build of kpgzip (Debian's golang-go and klauspost packages): %s",
            Files.readString(log))
        .isTrue();
    built = out;
    return out;
  }

  private static Path sources() {
    Path here = Path.of("src", "test", "go", "kpgzip");
    return Files.isDirectory(here) ? here : Path.of("..", "store", "src", "test", "go", "kpgzip");
  }

  /** {@code file} compressed by klauspost: the file FILE.MODE.LEVEL.gz beside it. */
  public static Path gzip(Path file, Mode mode, int level)
      throws IOException, InterruptedException {
    compress(mode, level, List.of(file));
    return output(file, mode, level);
  }

  /** Where {@link #compress} puts {@code file}'s compressed copy. */
  public static Path output(Path file, Mode mode, int level) {
    return file.resolveSibling(file.getFileName() + "." + mode.arg + "." + level + ".gz");
  }

  /**
   * Compresses every file with klauspost at {@code level}; FILE.MODE.LEVEL.gz appear beside them.
   */
  public static void compress(Mode mode, int level, List<Path> files)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of(binary().toString(), mode.arg, Integer.toString(level)));
    files.forEach(f -> cmd.add(f.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(new String(output)).isZero();
  }
}

package io.strata.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Go compressor: the store module's {@code src/test/go/gogzip} built once per run with
 * Debian's Go (GOPATH mode, offline, standard library only) into {@code target/} of the module
 * whose tests run.
 */
public final class GoGzip {
  private static Path built;

  private GoGzip() {}

  public static synchronized Path binary() throws IOException, InterruptedException {
    if (built != null) {
      return built;
    }
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    Path out = target.resolve("gogzip");
    Path log = target.resolve("gogzip.build.log");
    ProcessBuilder pb =
        new ProcessBuilder("go", "build", "-o", out.toString(), ".")
            .directory(sources().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPATH", target.resolve("gopath").toString());
    pb.environment().put("GOCACHE", target.resolve("gocache").toString());
    Process p = pb.start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done && p.exitValue() == 0)
        .as("go build of gogzip (Debian's golang-go): %s", Files.readString(log))
        .isTrue();
    built = out;
    return out;
  }

  private static Path sources() {
    Path here = Path.of("src", "test", "go", "gogzip");
    return Files.isDirectory(here) ? here : Path.of("..", "store", "src", "test", "go", "gogzip");
  }

  /** {@code file} compressed by Go at {@code level}: the file FILE.LEVEL.gz beside it. */
  public static Path gzip(Path file, int level) throws IOException, InterruptedException {
    compress(level, List.of(file));
    return file.resolveSibling(file.getFileName() + "." + level + ".gz");
  }

  /** Compresses every file with Go at {@code level}; FILE.LEVEL.gz appear beside them. */
  public static void compress(int level, List<Path> files)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(binary().toString(), Integer.toString(level)));
    files.forEach(f -> cmd.add(f.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(new String(output)).isZero();
  }
}

package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive the build writes next to the client's jar (docs/PERF.md, "CLI
 * startup"): {@code bin/strata} maps it, the classes of a command come from it rather than from the
 * jar, and an archive that does not match the jar costs speed, never a line on stderr.
 */
class ClassDataSharingIT {
  /** The checkout: failsafe runs in the module's directory. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static final Path JAR = ROOT.resolve("client/target/strata.jar");
  private static final Path ARCHIVE = ROOT.resolve("client/target/strata.jsa");

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** The classes a run loaded, with where each came from, from {@code -Xlog:class+load}. */
  private static List<String> loaded(String log, String prefix) {
    List<String> lines = new ArrayList<>();
    for (String line : log.split("\n")) {
      if (line.contains("] " + prefix)) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  @Timeout(120)
  void bin_strata_maps_the_archive_for_the_classes_of_a_command() throws Exception {
    assertThat(ARCHIVE).as("the build writes the archive next to the jar").exists();
    Path log = dir.resolve("classes.log");
    // STRATA_CDS=on: -Xshare:on, so an archive the JVM cannot map fails the run, not the speed.
    Run r =
        run(
            Map.of(
                "STRATA_CDS", "on",
                "STRATA_JAVA_OPTS", "-Xlog:class+load=info:file=" + log,
                "STRATA_HOST", "127.0.0.1:1"),
            List.of(ROOT.resolve("bin/strata").toString(), "--json", "ps"));
    // nothing listens on port 1: one line of JSON (Jackson's classes), no JVM noise
    assertThat(r.err()).startsWith("{\"error\":");
    assertThat(r.err().lines()).hasSize(1);
    String classes = Files.readString(log, StandardCharsets.UTF_8);
    List<String> ours = loaded(classes, "io.strata.client.cli.StrataCli ");
    assertThat(ours).singleElement().asString().contains("source: shared objects file");
    // picocli's classes (class file version 49) and Jackson's: the bulk of a command's classes.
    for (String prefix : List.of("picocli.CommandLine", "com.fasterxml.jackson.databind")) {
      List<String> lines = loaded(classes, prefix);
      assertThat(lines).as(prefix).isNotEmpty();
      long shared = lines.stream().filter(l -> l.contains("source: shared objects file")).count();
      assertThat(shared)
          .as(prefix + " classes from the archive")
          .isGreaterThan(lines.size() * 9L / 10);
    }
  }

  @Test
  @Timeout(120)
  void an_archive_of_another_jar_is_ignored_without_a_word() throws Exception {
    Path jar = Files.copy(JAR, dir.resolve("strata.jar"));
    Files.setLastModifiedTime(jar, FileTime.fromMillis(0)); // another jar: path and time
    Path archive =
        Files.copy(ARCHIVE, dir.resolve("strata.jsa"), StandardCopyOption.COPY_ATTRIBUTES);
    Run r = run(Map.of(), launch(archive, jar, "-Xshare:auto", "--version"));
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("strata ");
    assertThat(r.code()).isZero();
    // ... and it was not used: under -Xshare:on the same launch refuses to start.
    assertThat(run(Map.of(), launch(archive, jar, "-Xshare:on", "--version")).code()).isNotZero();
  }

  /** bin/strata's own java command line, over another {@code archive} and {@code jar}. */
  private static List<String> launch(Path archive, Path jar, String share, String... args)
      throws IOException {
    String script = Files.readString(ROOT.resolve("bin/strata"), StandardCharsets.UTF_8);
    assertThat(script).contains("-Xlog:cds=off,cds+dynamic=off");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:SharedArchiveFile=" + archive,
                share,
                "-Xlog:cds=off,cds+dynamic=off",
                "-jar",
                jar.toString()));
    command.addAll(List.of(args));
    return command;
  }
}

package io.strata.files.names;

import static io.strata.files.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.files.Shell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host names are taken only as their own bytes. The files with bad names are made by {@code sh}
 * from bytes: the JDK cannot name them. This JVM runs with a UTF-8 locale, as the launchers start
 * theirs; {@link #aJvmWithoutUtf8RefusesInTheWordsItWasGiven} runs one without.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostNamesTest {
  private static final HostNames NAMES = new HostNames("READ", "MAKE");

  @TempDir Path dir;

  /** The one entry of {@code d}, as a listing gives it (the kernel's bytes). */
  private static Path only(Path d) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
      return s.iterator().next();
    }
  }

  @Test
  void aNameThatIsNotUtf8IsRefusedNamingItsBytes() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("root/sub"));
    sh("cd " + sub + " && printf x > \"$(printf 'bad\\3771')\"");
    Path bad = only(sub);
    assertThat(NAMES.problem(bad.getFileName())).isEqualTo(Utf8Names.NOT_UTF8);
    assertThat(HostNames.shown(bad)).isEqualTo(sub + "/bad\\xff1");
    assertThat(HostNames.pathBytes(bad))
        .isEqualTo((sub + "/bad\u00ff1").getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NAMES.name(dir.resolve("root"), bad))
        .isInstanceOf(BadNameException.class)
        .hasMessage(
            "directory "
                + dir.resolve("root")
                + ": file \"sub/bad\\xff1\": the name is not valid UTF-8 (Strata keeps file"
                + " names as UTF-8)");
  }

  @Test
  void aLinkTargetThatIsNotUtf8IsRefusedNamingItsLink() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    sh("ln -s \"$(printf 'to\\376')\" " + root + "/l");
    Path link = root.resolve("l");
    Path target = Files.readSymbolicLink(link);
    assertThatThrownBy(() -> NAMES.linkTarget(root, link, target))
        .isInstanceOf(BadNameException.class)
        .hasMessage(
            "directory "
                + root
                + ": file \"l\": the link target \"to\\xfe\" is not valid UTF-8 (Strata keeps"
                + " file names as UTF-8)");
  }

  /** A real U+FFFD is valid UTF-8 and comes back as its own bytes: kept, as café is. */
  @Test
  void validUtf8NamesAreKept() throws Exception {
    List<String> names = List.of("caf\u00e9", "real\ufffd", "plain");
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Path d = Files.createDirectories(dir.resolve("d" + i));
      Files.writeString(d.resolve(name), "x");
      Path file = only(d);
      assertThat(NAMES.name(d, file)).isEqualTo(name);
      assertThat(NAMES.makeProblem(name)).isNull();
      assertThat(HostNames.pathBytes(file))
          .isEqualTo(file.toString().getBytes(StandardCharsets.UTF_8));
    }
    assertThat(HostNames.shown(Path.of("/"))).isEqualTo("/");
  }

  /** Prints what {@link HostNames} says of the one file of directory {@code args[0]}. */
  public static final class Probe {
    public static void main(String[] args) throws IOException {
      Path file = only(Path.of(args[0]));
      System.out.println(HostNames.CHARSET);
      System.out.println(NAMES.problem(file.getFileName()));
      System.out.println(NAMES.makeProblem("caf\u00e9"));
      System.out.println(NAMES.makeProblem("cafe"));
    }
  }

  /**
   * With no locale at all (a systemd unit, {@code env -i}) the JVM reads names in ASCII: a name
   * that is not ASCII is refused in the words of the program, one for reading and one for making.
   */
  @Test
  void aJvmWithoutUtf8RefusesInTheWordsItWasGiven() throws Exception {
    Path d = Files.createDirectories(dir.resolve("nolocale"));
    Files.writeString(d.resolve("caf\u00e9"), "x");
    ProcessBuilder b =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            Probe.class.getName(),
            d.toString());
    b.environment().clear(); // no LANG, no LC_*: the C locale
    assertThat(Shell.run(b).lines()).containsExactly("ANSI_X3.4-1968", "READ", "MAKE", "null");
  }
}

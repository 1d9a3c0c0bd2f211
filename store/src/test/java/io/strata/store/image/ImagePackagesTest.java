package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The image packages depend one way (docs/ARCHITECTURE.md): {@code image} composes {@code
 * image.archive}, {@code image.build} and {@code image.layer}; {@code archive} and {@code build}
 * use only {@code layer}; {@code layer} uses none of them. Read from the sources, so that a new
 * import that makes a cycle fails here rather than in a review.
 */
@Timeout(60)
class ImagePackagesTest {
  private static final Path SOURCES = Path.of("src/main/java/io/strata/store/image");

  /** What each part may use of the other image packages. */
  private static final Map<String, List<String>> ALLOWED =
      Map.of("layer", List.of(), "archive", List.of("layer"), "build", List.of("layer"));

  /** A reference to a class of an image package: {@code image.Name} or {@code image.part.Name}. */
  private static final Pattern REFERENCE =
      Pattern.compile("io\\.strata\\.store\\.image\\.(?:([a-z]+)\\.)?[A-Z]");

  @Test
  void partsUseOnlyThePackagesBelowThem() throws IOException {
    for (Map.Entry<String, List<String>> part : ALLOWED.entrySet()) {
      TreeSet<String> used = new TreeSet<>();
      List<Path> files = javaFiles(SOURCES.resolve(part.getKey()));
      assertThat(files).as("sources of image.%s", part.getKey()).hasSizeGreaterThan(3);
      for (Path f : files) {
        Matcher m = REFERENCE.matcher(code(f));
        while (m.find()) {
          String pkg = m.group(1) == null ? "image" : m.group(1);
          if (!pkg.equals(part.getKey())) {
            used.add(pkg + " (in " + f.getFileName() + ")");
          }
        }
      }
      used.removeIf(u -> part.getValue().contains(u.substring(0, u.indexOf(' '))));
      assertThat(used).as("what image.%s uses beyond %s", part.getKey(), part.getValue()).isEmpty();
    }
  }

  @Test
  void theReferencePatternSeesImportsAndFullNames() {
    Matcher m =
        REFERENCE.matcher(
            "import io.strata.store.image.ImageStore;\n"
                + "x = new io.strata.store.image.archive.ArchiveImport();");
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1) == null ? "image" : m.group(1));
    }
    assertThat(found).containsExactly("image", "archive");
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  /** The file without its comments: a class named in Javadoc is no dependency. */
  private static String code(Path f) throws IOException {
    String s = Files.readString(f, StandardCharsets.UTF_8);
    return s.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
  }
}

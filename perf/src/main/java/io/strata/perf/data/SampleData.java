package io.strata.perf.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Benchmark input, always the same for the same arguments so runs compare. Real-file corpora fall
 * back to text-like data where their directories are missing (a CI box), so a benchmark never fails
 * for want of input.
 */
public final class SampleData {
  /** Real files under the JDKs: class files, shared libraries, jmods, text. */
  public static final Path JDK_ROOT = Path.of("/usr/lib/jvm");

  /** Real files under /usr/share: documentation, locale data, scripts, fonts. */
  public static final Path SHARE_ROOT = Path.of("/usr/share");

  /** The most one file gives to a corpus, so that no single large file makes up all of it. */
  private static final int PER_FILE = 1 << 20;

  /** Names of files that are compressed already; a "text" corpus leaves them out. */
  private static final List<String> PACKED =
      List.of(".gz", ".xz", ".bz2", ".zst", ".zip", ".jar", ".jmod", ".png", ".jpg", ".woff");

  private SampleData() {}

  /** {@code n} bytes from a seeded PRNG: incompressible and without repeats. */
  public static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /**
   * {@code n} bytes of text-like data: words of a fixed vocabulary in random order, with spaces and
   * line breaks. It compresses about as well as prose or source code, and never repeats a chunk.
   */
  public static byte[] textLike(int n, long seed) {
    byte[] b = new byte[n];
    TextSource source = new TextSource(seed);
    source.fill(b, 0, n);
    return b;
  }

  /**
   * {@code n} bytes of the files under {@code root}: the first MiB (at most) of each, in a seeded
   * shuffle of the file list, concatenated; repeated if the tree holds fewer bytes. With {@code
   * textOnly}, files that are compressed already are left out. Text-like data if the tree has no
   * readable file.
   */
  public static byte[] files(int n, Path root, boolean textOnly, long seed) {
    List<Path> paths = regularFiles(root, textOnly);
    Collections.shuffle(paths, new Random(seed));
    byte[] b = new byte[n];
    int filled = 0;
    boolean progress = true;
    while (filled < n && progress) {
      progress = false;
      for (Path p : paths) {
        if (filled == n) {
          break;
        }
        int got = readInto(p, b, filled);
        filled += got;
        progress |= got > 0;
      }
    }
    if (filled < n) {
      new TextSource(seed).fill(b, filled, n - filled);
    }
    return b;
  }

  /** The regular files under {@code root}, in name order; none if it does not exist. */
  public static List<Path> regularFiles(Path root, boolean textOnly) {
    if (!Files.isDirectory(root)) {
      return new ArrayList<>();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return new ArrayList<>(
          s.filter(Files::isRegularFile)
              .filter(p -> !textOnly || !isPacked(p))
              .filter(Files::isReadable)
              .sorted()
              .toList());
    } catch (IOException e) {
      throw new UncheckedIOException("walking " + root, e);
    } catch (UncheckedIOException e) {
      // A directory we may not read (or one removed during the walk): use no files at all.
      return new ArrayList<>();
    }
  }

  private static boolean isPacked(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return PACKED.stream().anyMatch(name::endsWith);
  }

  private static int readInto(Path p, byte[] b, int off) {
    try (InputStream in = Files.newInputStream(p)) {
      return Math.max(0, in.readNBytes(b, off, Math.min(PER_FILE, b.length - off)));
    } catch (IOException e) {
      return 0; // unreadable files are simply not part of the corpus
    }
  }
}

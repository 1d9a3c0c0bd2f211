package io.strata.store.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Damage done to a store's packs on disk, as a failing disk or a stray write does it. */
public final class PackDamage {
  private PackDamage() {}

  /**
   * Flips a byte in the middle of {@code content}'s first copy in a pack under {@code data}: the
   * content must be stored as it is (random bytes, which no codec shrinks), so that it is found.
   */
  public static void flipIn(Path data, byte[] content) throws IOException {
    byte[] needle = Arrays.copyOfRange(content, 100_000, 100_064);
    List<Path> packs;
    try (Stream<Path> s = Files.walk(data)) {
      packs = s.filter(p -> p.toString().endsWith(".pack")).sorted().toList();
    }
    for (Path p : packs) {
      byte[] b = Files.readAllBytes(p);
      for (int i = 0; i + needle.length <= b.length; i++) {
        if (Arrays.equals(b, i, i + needle.length, needle, 0, needle.length)) {
          b[i + 32] ^= (byte) 0xFF;
          Files.write(p, b);
          return;
        }
      }
    }
    throw new AssertionError("the content's bytes are in no pack");
  }
}

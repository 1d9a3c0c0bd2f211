package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.digest.Digest;
import io.strata.store.image.ImageFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tars whose headers vary as real writers' do, from a seeded generator: numbers zero- or
 * space-padded, NUL- or space-terminated, checksums in both common layouts, GNU and POSIX magic,
 * user and group names or none, GNU long-name entries and PAX headers, padding that is not zeros,
 * extra end blocks and trailing garbage. Each imports as an archive layer and exports to the same
 * bytes: a version 1 tar-split keeps whatever a header holds.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TarHeaderFuzzTest {
  @TempDir Path dir;
  ImageFixture fix;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  @Test
  void randomHeaderStylesExportByteForByte() throws IOException {
    for (int seed = 1; seed <= 40; seed++) {
      byte[] tar = new Generator(new Random(seed)).tar();
      LayerRecord l =
          fix.layers()
              .importTar(null, new ByteArrayInputStream(tar), null, null, "fuzz tar " + seed)
              .layer();
      assertThat(l.diffId())
          .as("seed %d", seed)
          .isEqualTo(Digest.sha256(tar, 0, tar.length).toString());
      try (InputStream in = fix.layers().open(l)) {
        assertThat(in.readAllBytes()).as("seed %d", seed).isEqualTo(tar);
      }
    }
  }

  /** One random tar: a style picked per tar, variations per entry. */
  private static final class Generator {
    private final Random r;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final boolean gnuMagic;
    private final boolean spacePadded;
    private final boolean checksumSixDigits;
    private final String uname;
    private final String gname;
    private final List<String> files = new ArrayList<>();

    Generator(Random r) {
      this.r = r;
      gnuMagic = r.nextBoolean();
      spacePadded = r.nextInt(4) == 0;
      checksumSixDigits = r.nextBoolean();
      uname = r.nextBoolean() ? "" : "user" + r.nextInt(100);
      gname = r.nextBoolean() ? "" : "grp" + r.nextInt(100);
    }

    byte[] tar() {
      int entries = 5 + r.nextInt(25);
      for (int i = 0; i < entries; i++) {
        String name = name(i);
        int kind = r.nextInt(8);
        if (kind == 0) {
          header(name + "/", '5', 0, "");
        } else if (kind == 1) {
          header(name, '2', 0, "target-" + r.nextInt(5));
        } else if (kind == 2 && !files.isEmpty()) {
          header(name, '1', 0, files.get(r.nextInt(files.size())));
        } else {
          byte[] content = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(3000)];
          r.nextBytes(content);
          header(name, '0', content.length, "");
          out.writeBytes(content);
          pad(content.length);
          if (name.length() < 100) { // a link names its target in a field of 100 bytes
            files.add(name);
          }
        }
      }
      out.writeBytes(new byte[1024 + 512 * r.nextInt(4)]); // end blocks, sometimes more
      if (r.nextInt(4) == 0) {
        byte[] garbage = new byte[512 * (1 + r.nextInt(3))];
        r.nextBytes(garbage);
        out.writeBytes(garbage);
      }
      return out.toByteArray();
    }

    private String name(int i) {
      return switch (r.nextInt(5)) {
        case 0 -> "dir/" + "long".repeat(30) + i; // past the name field
        case 1 -> "ü-" + i;
        default -> "f" + i;
      };
    }

    /** A header for {@code name}, a long name first as GNU or PAX writers put it. */
    private void header(String name, char type, long size, String link) {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      if (n.length > 99) {
        if (gnuMagic) {
          byte[] longName = (name + "\0").getBytes(StandardCharsets.UTF_8);
          block("././@LongLink", 'L', longName.length, "");
          out.writeBytes(longName);
          pad(longName.length);
        } else {
          byte[] pax = paxRecord("path", name);
          block("PaxHeaders/" + r.nextInt(1000), 'x', pax.length, "");
          out.writeBytes(pax);
          pad(pax.length);
        }
        name = name.substring(0, 50);
      }
      block(name, type, size, link);
    }

    private static byte[] paxRecord(String key, String value) {
      byte[] body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
      int len = body.length + Integer.toString(body.length).length();
      len = body.length + Integer.toString(len).length();
      return (len + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    private void block(String name, char type, long size, String link) {
      byte[] h = new byte[512];
      put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
      number(h, 100, 8, type == '5' ? 0755 : r.nextInt(010000));
      number(h, 108, 8, r.nextInt(70_000));
      number(h, 116, 8, r.nextInt(70_000));
      number(h, 124, 12, size);
      number(h, 136, 12, r.nextInt(2_000_000_000));
      h[156] = (byte) type;
      put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
      if (gnuMagic) {
        put(h, 257, 8, "ustar  \0".getBytes(StandardCharsets.US_ASCII));
      } else {
        put(h, 257, 8, "ustar\00000".getBytes(StandardCharsets.US_ASCII));
      }
      put(h, 265, 32, uname.getBytes(StandardCharsets.US_ASCII));
      put(h, 297, 32, gname.getBytes(StandardCharsets.US_ASCII));
      if (r.nextBoolean()) {
        number(h, 329, 8, 0);
        number(h, 337, 8, 0);
      }
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xFF;
      }
      String s =
          checksumSixDigits
              ? String.format("%06o", sum) + "\0 "
              : String.format("%07o", sum) + "\0";
      put(h, 148, 8, s.getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(h);
    }

    /** An octal field: zero-padded and NUL-ended, or space-padded and space-NUL-ended. */
    private void number(byte[] h, int at, int len, long v) {
      String digits = Long.toOctalString(v);
      String s =
          spacePadded && digits.length() <= len - 2
              ? " ".repeat(len - 2 - digits.length()) + digits + " \0"
              : "0".repeat(len - 1 - digits.length()) + digits + "\0";
      put(h, at, len, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void put(byte[] h, int at, int len, byte[] v) {
      System.arraycopy(v, 0, h, at, Math.min(len, v.length));
    }

    /** Padding to the block: zeros mostly, sometimes bytes a careless writer left. */
    private void pad(long written) {
      int left = (int) ((512 - written % 512) % 512);
      byte[] p = new byte[left];
      if (r.nextInt(5) == 0) {
        r.nextBytes(p);
      }
      out.writeBytes(p);
    }
  }
}

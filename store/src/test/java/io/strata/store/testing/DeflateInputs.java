package io.strata.store.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Inputs that exercise a deflate compressor's paths: word text, random bytes, runs, a tar of small
 * files, and a mix with repeats from up to and past 32 KiB back.
 */
public final class DeflateInputs {
  private DeflateInputs() {}

  public static byte[] text(Random r, int size) {
    String[] words = {
      "layer",
      "chunk",
      "digest",
      "manifest",
      "the",
      "of",
      "registry",
      "blob",
      "sha256",
      "gzip",
      "container",
      "image",
      "a",
      "to",
      "usr/lib/x86_64-linux-gnu/",
      "\n",
      "Deflate",
      "0123456789"
    };
    StringBuilder sb = new StringBuilder(size + 64);
    while (sb.length() < size) {
      sb.append(words[(int) Math.abs(r.nextGaussian() * 5) % words.length]).append(' ');
    }
    return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] random(Random r, int size) {
    byte[] b = new byte[size];
    r.nextBytes(b);
    return b;
  }

  public static byte[] runs(Random r, int size) {
    byte[] b = new byte[size];
    int i = 0;
    while (i < size) {
      int n = Math.min(size - i, 1 + r.nextInt(r.nextBoolean() ? 5 : 2000));
      byte v = (byte) r.nextInt(4);
      for (int k = 0; k < n; k++) {
        b[i + k] = v;
      }
      i += n;
    }
    return b;
  }

  /** Text, random stretches, runs and repeats from far back (up to and past 32 KiB). */
  public static byte[] mixed(Random r, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    byte[] text = text(r, 1 << 20);
    while (out.size() < size) {
      int kind = r.nextInt(5);
      int n = 1 + r.nextInt(40000);
      byte[] piece =
          switch (kind) {
            case 0 -> random(r, n);
            case 1 -> runs(r, n);
            default -> {
              int from = r.nextInt(text.length - n);
              byte[] p = new byte[n];
              System.arraycopy(text, from, p, 0, n);
              yield p;
            }
          };
      out.write(piece, 0, Math.min(piece.length, size - out.size()));
    }
    return out.toByteArray();
  }

  public static byte[] tar(Random r) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < 200; i++) {
        byte[] data = i % 3 == 0 ? random(r, r.nextInt(20000)) : text(r, r.nextInt(30000));
        TarArchiveEntry e = new TarArchiveEntry("usr/share/doc/pkg" + i + "/file" + i);
        e.setSize(data.length);
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}

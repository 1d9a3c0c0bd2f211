package io.strata.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

/** Reproducible test content (compressible text, incompressible bytes), and a free port. */
final class TestData {
  private TestData() {}

  /** {@code size} bytes of base64 text in 100-character lines (compresses about 4:3). */
  static byte[] text(long seed, int size) {
    byte[] raw = random(seed, size);
    byte[] b64 = Base64.getMimeEncoder(100, new byte[] {'\n'}).encode(raw);
    byte[] out = new byte[size];
    System.arraycopy(b64, 0, out, 0, size);
    return out;
  }

  /** {@code size} random bytes. */
  static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Path write(Path dir, String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  static String sha256(byte[] content) throws Exception {
    return "sha256:"
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A TCP port nothing listens on now (for a server that must be told its port up front). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

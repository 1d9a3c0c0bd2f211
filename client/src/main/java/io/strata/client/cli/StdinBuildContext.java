package io.strata.client.cli;

import io.strata.client.tar.DockerIgnore;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code strata build -}: the build context read from standard input, as {@code docker build -}
 * reads it. A tar (plain or gzip) is the context, with its Dockerfile ({@code -f} names one inside
 * it) and its {@code .dockerignore} applied; anything else is the Dockerfile itself, with an empty
 * context. The input is spooled to a temporary file, since it is read twice: once for the
 * Dockerfile, once as the context sent.
 */
final class StdinBuildContext implements AutoCloseable {
  /** Where a tar's header says "ustar" (POSIX and GNU tars both). */
  private static final int MAGIC_OFFSET = 257;

  private final Path spool;
  private final boolean tar;
  private final String dockerfile;
  private final DockerIgnore ignore;

  private StdinBuildContext(Path spool, boolean tar, String dockerfile, DockerIgnore ignore) {
    this.spool = spool;
    this.tar = tar;
    this.dockerfile = dockerfile;
    this.ignore = ignore;
  }

  /** Reads {@code in} whole; {@code file} is {@code -f}'s path inside a tar (null: Dockerfile). */
  static StdinBuildContext read(InputStream in, String file) throws IOException {
    Path spool = Files.createTempFile("strata-build-", ".context");
    try {
      // the terminal's standard input stays open: closing the gzip stream must not close it
      BufferedInputStream buffered =
          new BufferedInputStream(
              new FilterInputStream(in) {
                @Override
                public void close() {}
              });
      buffered.mark(2);
      boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
      buffered.reset();
      try (InputStream body = gzip ? new GZIPInputStream(buffered) : buffered) {
        Files.copy(body, spool, StandardCopyOption.REPLACE_EXISTING);
      }
      if (!isTar(spool)) {
        if (file != null) {
          throw new IOException(
              "build -f " + file + " -: standard input is not a tar, so it holds no " + file);
        }
        // decoded leniently: bytes that are not UTF-8 reach the Dockerfile parser, which names them
        String text = new String(Files.readAllBytes(spool), StandardCharsets.UTF_8);
        return new StdinBuildContext(spool, false, text, DockerIgnore.parse(""));
      }
      return fromTar(spool, file == null ? "Dockerfile" : file);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(spool);
      throw e;
    }
  }

  private static boolean isTar(Path spool) throws IOException {
    byte[] head = new byte[MAGIC_OFFSET + 5];
    try (InputStream in = Files.newInputStream(spool)) {
      if (in.readNBytes(head, 0, head.length) < head.length) {
        return false;
      }
    }
    return new String(head, MAGIC_OFFSET, 5, StandardCharsets.US_ASCII).equals("ustar");
  }

  private static StdinBuildContext fromTar(Path spool, String file) throws IOException {
    String wanted = entryName(file);
    String dockerfile = null;
    String ignore = "";
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(Files.newInputStream(spool), "UTF-8")) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String name = entryName(e.getName());
        if (e.isFile() && name.equals(wanted)) {
          dockerfile = text(in);
        } else if (e.isFile() && name.equals(".dockerignore")) {
          ignore = text(in);
        }
      }
    }
    if (dockerfile == null) {
      throw new IOException(
          "build context from standard input: the tar holds no " + file + " (name it with -f)");
    }
    return new StdinBuildContext(spool, true, dockerfile, DockerIgnore.parse(ignore));
  }

  /**
   * A tar entry's path as .dockerignore and -f name it: no leading "./" or "/", no trailing "/".
   */
  static String entryName(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.substring(n.charAt(0) == '/' ? 1 : 2);
    }
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  private static String text(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toString(StandardCharsets.UTF_8);
  }

  /** The Dockerfile's text. */
  String dockerfile() {
    return dockerfile;
  }

  /** Writes the context as a tar: what {@code .dockerignore} excludes left out. */
  void write(OutputStream out) throws IOException {
    if (!tar) {
      out.write(new byte[1024]); // an empty tar: its two zero end blocks
      return;
    }
    if (ignore.isEmpty()) {
      Files.copy(spool, out);
      return;
    }
    TarArchiveOutputStream tarOut = new TarArchiveOutputStream(nonClosing(out), "UTF-8");
    tarOut.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tarOut.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(Files.newInputStream(spool), "UTF-8")) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (ignore.excluded(entryName(e.getName()))) {
          continue;
        }
        tarOut.putArchiveEntry(e);
        in.transferTo(tarOut);
        tarOut.closeArchiveEntry();
      }
    }
    tarOut.finish();
    tarOut.flush();
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(spool);
  }
}

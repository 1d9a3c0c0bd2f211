package io.strata.store.image.archive;

import io.strata.store.disk.DiskFull;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.StorageFullException;
import io.strata.store.image.layer.CountingInputStream;
import io.strata.store.image.layer.ImportLimits;
import io.strata.store.image.layer.SourceReadException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * A compressed file given to an import (gzip, bzip2 or zstd, told by their magic bytes as {@code
 * docker load} tells them) decompressed into a spool in the data root's tmp directory. Spooled, not
 * streamed: a {@code docker save} archive's {@code manifest.json} comes after its layers, so only
 * the whole tar tells an image archive from a root file system, and an archive is then read at
 * random ({@link ArchiveSource#tar}). The spool is on the data root's disk, as every upload's, so a
 * full disk is reported as the store's; {@link #close} deletes it, and {@link #of} does on any
 * failure, cancellation included.
 */
final class CompressedTar implements Closeable {
  private final Path spool;

  private CompressedTar(Path spool) {
    this.spool = spool;
  }

  /**
   * {@code file} decompressed into a new file of {@code tmpDir}, its tar held to {@code limits} (a
   * compression bomb is refused before it fills the disk); null when {@code file} is not
   * compressed. A corrupt or truncated stream is refused naming {@code name}, and so is an xz one:
   * reading xz takes a library beyond the project's dependencies, and {@code xz -dc} does it.
   */
  static CompressedTar of(Path file, String name, Path tmpDir, ImportLimits limits, StopSignal stop)
      throws IOException {
    // buffered over readOf: a failure to read the file itself (EIO) is no corrupt stream; every
    // read through stop, which a client's cancel raises
    try (InputStream raw =
        new BufferedInputStream(
            stop.guard(ArchiveSource.readOf(file), "archive " + name), 64 << 10)) {
      String kind = kind(raw);
      if (kind == null) {
        return null;
      }
      if (kind.equals("xz")) {
        throw new InvalidArgumentException(
            "archive "
                + name
                + ": xz-compressed, which Strata does not read (gzip, bzip2 and zstd it does);"
                + " decompress it first (xz -dc FILE > FILE.tar) and load or import that");
      }
      Files.createDirectories(tmpDir);
      Path spool = Files.createTempFile(tmpDir, "decompressed-", ".tar");
      try {
        CountingInputStream compressed = new CountingInputStream(raw);
        try (InputStream in = decompress(kind, compressed, name);
            OutputStream out = Files.newOutputStream(spool)) {
          byte[] buf = new byte[64 << 10];
          long total = 0;
          int n;
          while ((n = read(in, buf, kind, name)) >= 0) {
            out.write(buf, 0, n);
            total += n;
            limits.checkSize("archive " + name, total, compressed.count());
          }
        }
        return new CompressedTar(spool);
      } catch (IOException | RuntimeException | Error e) {
        Files.deleteIfExists(spool);
        if (e instanceof IOException io && DiskFull.causedBy(io)) {
          // said here, while it is known to be the data root's: once the spool is deleted the
          // disk has room again, and the OS's words name no file (V5)
          throw new StorageFullException(
              "archive "
                  + name
                  + ": data root "
                  + tmpDir.getParent()
                  + ": the disk is full (the decompressed tar is spooled in "
                  + tmpDir
                  + " first)",
              io);
        }
        throw e;
      }
    }
  }

  /** The decompressed tar. */
  Path file() {
    return spool;
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(spool);
  }

  /** The compression of {@code in} (mark supported) by its magic bytes, null for none. */
  private static String kind(InputStream in) throws IOException {
    in.mark(6);
    byte[] m = in.readNBytes(6);
    in.reset();
    if (starts(m, 0x1F, 0x8B)) {
      return "gzip";
    }
    if (starts(m, 'B', 'Z', 'h')) {
      return "bzip2";
    }
    if (starts(m, 0xFD, '7', 'z', 'X', 'Z', 0x00)) {
      return "xz";
    }
    if (starts(m, 0x28, 0xB5, 0x2F, 0xFD)) {
      return "zstd";
    }
    return null;
  }

  private static boolean starts(byte[] m, int... magic) {
    if (m.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((m[i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static InputStream decompress(String kind, InputStream in, String name)
      throws IOException {
    try {
      return switch (kind) {
        case "gzip" ->
            GzipCompressorInputStream.builder()
                .setInputStream(in)
                .setDecompressConcatenated(true)
                .get();
        case "bzip2" -> new BZip2CompressorInputStream(in, true);
        default -> new ZstdCompressorInputStream(in);
      };
    } catch (SourceReadException | StopSignal.Stopped e) {
      throw e;
    } catch (IOException e) {
      throw corrupt(kind, name, e);
    }
  }

  /** A read of the decompressor; its failure (bad data, a stream cut short) names the file. */
  private static int read(InputStream in, byte[] buf, String kind, String name) throws IOException {
    try {
      return in.read(buf);
    } catch (SourceReadException | StopSignal.Stopped e) {
      throw e;
    } catch (IOException e) {
      throw corrupt(kind, name, e);
    }
  }

  private static InvalidArgumentException corrupt(String kind, String name, IOException e) {
    // a stream cut short says nothing but its class: said in words
    String why =
        e instanceof java.io.EOFException
            ? "it ends before the compressed stream does"
            : e.getMessage() == null ? "no reason given" : e.getMessage();
    return new InvalidArgumentException(
        "archive " + name + ": corrupt or truncated " + kind + " data (" + why + ")", e);
  }
}

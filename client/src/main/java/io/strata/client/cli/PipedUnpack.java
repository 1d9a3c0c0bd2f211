package io.strata.client.cli;

import io.strata.client.StrataClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Unpacks a tar while the server sends it ({@code image export} to a directory, {@code cp} out of a
 * container): the client reads the connection on the calling thread and a second thread unpacks
 * from a pipe. A server error is reported as it is; when the pipe breaks, the unpacker's failure (a
 * hostile entry) is the one to report. Nothing writes into the target after {@link #run} returns.
 */
final class PipedUnpack {
  /** Runs the request, writing its DATA to {@code out}; returns how many bytes came. */
  @FunctionalInterface
  interface Download {
    long to(OutputStream out) throws IOException;
  }

  /** Reads the tar from {@code in}. */
  @FunctionalInterface
  interface Unpack {
    void from(InputStream in) throws IOException;
  }

  private PipedUnpack() {}

  /** Runs {@code download} into {@code unpack}; {@code what} names the stream in messages. */
  static long run(String what, Download download, Unpack unpack) throws IOException {
    AtomicReference<Exception> failure = new AtomicReference<>();
    PipedInputStream in = new PipedInputStream(1 << 20);
    Thread unpacker =
        new Thread(
            () -> {
              try (InputStream tar = in) {
                unpack.from(tar);
                tar.transferTo(OutputStream.nullOutputStream());
              } catch (IOException | RuntimeException e) {
                failure.set(e);
              }
            },
            "strata-unpack");
    long n;
    try (OutputStream out = new PipedOutputStream(in)) {
      unpacker.start();
      n = download.to(out);
    } catch (StrataClientException e) {
      join(unpacker, what);
      throw e;
    } catch (IOException e) {
      join(unpacker, what);
      rethrow(failure);
      throw e;
    }
    join(unpacker, what);
    rethrow(failure);
    return n;
  }

  private static void join(Thread unpacker, String what) throws IOException {
    try {
      unpacker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted", e);
    }
  }

  private static void rethrow(AtomicReference<Exception> failure) throws IOException {
    if (failure.get() instanceof IOException e) {
      throw e;
    }
    if (failure.get() instanceof RuntimeException e) {
      throw e;
    }
  }
}

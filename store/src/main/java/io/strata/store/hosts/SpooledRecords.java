package io.strata.store.hosts;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A batch of chunk records in a file under the data root's {@code tmp}, and their counts: written
 * while the image store's lock is held, sent after it is released, so that a receiver that stops
 * reading never holds up this host's image changes. Closing deletes the file.
 */
public final class SpooledRecords implements AutoCloseable {
  private final Path file;
  private final RecordCounts counts;

  SpooledRecords(Path file, RecordCounts counts) {
    this.file = file;
    this.counts = counts;
  }

  /** What the batch holds. */
  public RecordCounts counts() {
    return counts;
  }

  /** Writes the records to {@code out}. */
  public void copyTo(OutputStream out) throws IOException {
    Files.copy(file, out);
  }

  /** The records as a stream that deletes the file when closed. */
  public InputStream open() throws IOException {
    return new FilterInputStream(new BufferedInputStream(Files.newInputStream(file))) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          SpooledRecords.this.close();
        }
      }
    };
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(file);
  }
}

package io.strata.store.driver;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Paths with flags, sorted by path (as {@link String#compareTo}, the order a {@code TreeMap} of
 * paths keeps) and merged (the flags of one path or'ed), in bounded memory: an external sort. A
 * diff of a container with a million added files would otherwise hold a million paths at once
 * (docs/ADVERSARIAL.md, G5). Up to {@code maxBytes} of paths are held in memory; beyond, they are
 * sorted and written as a run to one temporary file, unlinked as soon as it is opened so that
 * nothing is left behind even by a crash, and the runs are merged when read, {@link #FAN_IN} at a
 * time, so the buffers of the merge are bounded too.
 */
public final class ChangeSpool implements Closeable {
  /** The runs merged at once; more are merged first into longer runs. */
  static final int FAN_IN = 32;

  private static final int READ_BUFFER = 32 << 10;

  /** The memory a spool of a server with this heap holds, about: a 64th of it, 1 to 8 MiB. */
  public static final long DEFAULT_BYTES =
      Math.max(1L << 20, Math.min(Runtime.getRuntime().maxMemory() / 64, 8L << 20));

  /** One path and the flags given to it. */
  public record Entry(String path, int flags) {}

  private static final Comparator<Entry> ORDER = Comparator.comparing(Entry::path);

  private final Path dir;
  private final long maxBytes;
  private List<Entry> held = new ArrayList<>();
  private long heldBytes;
  private FileChannel file;
  private long end;
  private final List<long[]> runs = new ArrayList<>(); // {start, end} in file
  private boolean reading;

  /** A spool holding up to {@code maxBytes} in memory, its runs in a file under {@code dir}. */
  public ChangeSpool(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Gives {@code path} {@code flags} (or'ed with any it has). */
  public void add(String path, int flags) throws IOException {
    if (reading) {
      throw new IllegalStateException("spool already read");
    }
    held.add(new Entry(path, flags));
    heldBytes += 64 + 2L * path.length(); // the entry, the string and the list's slot, about
    if (heldBytes > maxBytes) {
      spill();
    }
  }

  /** Runs written to the file so far (tests: whether it spilled). */
  int runs() {
    return runs.size();
  }

  private void spill() throws IOException {
    if (file == null) {
      io.strata.store.disk.AtomicFiles.createPrivateDirectories(dir);
      Path p = Files.createTempFile(dir, "diff-", ".spool");
      try {
        file = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } finally {
        Files.deleteIfExists(p);
      }
    }
    held.sort(ORDER);
    writeRun(merged(held.iterator()));
    held = new ArrayList<>();
    heldBytes = 0;
  }

  private void writeRun(Iterator<Entry> entries) throws IOException {
    long start = end;
    ByteBuffer out = ByteBuffer.allocate(READ_BUFFER);
    while (entries.hasNext()) {
      Entry e = entries.next();
      byte[] p = e.path().getBytes(StandardCharsets.UTF_8);
      if (out.remaining() < p.length + 8) {
        flush(out);
        if (out.capacity() < p.length + 8) {
          out = ByteBuffer.allocate(p.length + 8);
        }
      }
      out.putInt(p.length).put(p).putInt(e.flags());
    }
    flush(out);
    runs.add(new long[] {start, end});
  }

  private void flush(ByteBuffer out) throws IOException {
    out.flip();
    while (out.hasRemaining()) {
      end += file.write(out, end);
    }
    out.clear();
  }

  /**
   * The paths in order, each once with its flags or'ed. Read once; what is added afterwards is
   * refused.
   */
  public Iterator<Entry> iterator() throws IOException {
    if (reading) {
      throw new IllegalStateException("spool already read");
    }
    reading = true;
    if (runs.isEmpty()) {
      held.sort(ORDER);
      List<Entry> mine = held;
      held = null;
      return merged(mine.iterator());
    }
    if (!held.isEmpty()) {
      spill();
    }
    held = null;
    while (runs.size() > FAN_IN) {
      List<long[]> some = new ArrayList<>(runs.subList(0, FAN_IN));
      runs.subList(0, FAN_IN).clear();
      writeRun(merge(some));
    }
    return merge(new ArrayList<>(runs));
  }

  private Iterator<Entry> merge(List<long[]> which) {
    PriorityQueue<RunReader> heads =
        new PriorityQueue<>(Comparator.comparing((RunReader r) -> r.head.path()));
    for (long[] r : which) {
      RunReader reader = new RunReader(r[0], r[1]);
      if (reader.head != null) {
        heads.add(reader);
      }
    }
    Iterator<Entry> sorted =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return !heads.isEmpty();
          }

          @Override
          public Entry next() {
            if (heads.isEmpty()) {
              throw new NoSuchElementException();
            }
            RunReader r = heads.poll();
            Entry e = r.head;
            r.advance();
            if (r.head != null) {
              heads.add(r);
            }
            return e;
          }
        };
    return merged(sorted);
  }

  /** {@code sorted} with the entries of one path made one, their flags or'ed. */
  private static Iterator<Entry> merged(Iterator<Entry> sorted) {
    return new Iterator<>() {
      private Entry next = sorted.hasNext() ? sorted.next() : null;

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Entry next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        String path = next.path();
        int flags = next.flags();
        next = null;
        while (sorted.hasNext()) {
          Entry e = sorted.next();
          if (!e.path().equals(path)) {
            next = e;
            break;
          }
          flags |= e.flags();
        }
        return new Entry(path, flags);
      }
    };
  }

  /** One run of the file, read a buffer at a time by position. */
  private final class RunReader {
    private long pos;
    private final long limit;
    private ByteBuffer buf = ByteBuffer.allocate(READ_BUFFER).flip();
    Entry head;

    RunReader(long start, long limit) {
      this.pos = start;
      this.limit = limit;
      advance();
    }

    void advance() {
      try {
        if (!fill(4)) {
          head = null;
          return;
        }
        int n = buf.getInt();
        fill(n + 4);
        byte[] p = new byte[n];
        buf.get(p);
        head = new Entry(new String(p, StandardCharsets.UTF_8), buf.getInt());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Makes {@code n} bytes readable in buf; false at the run's end. */
    private boolean fill(int n) throws IOException {
      if (buf.remaining() >= n) {
        return true;
      }
      if (pos >= limit && buf.remaining() == 0) {
        return false;
      }
      if (buf.capacity() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(n);
        bigger.put(buf).flip();
        buf = bigger;
      }
      buf.compact();
      while (buf.position() < n && pos < limit) {
        buf.limit((int) Math.min(buf.capacity(), buf.position() + (limit - pos)));
        int r = file.read(buf, pos);
        if (r < 0) {
          throw new IOException("diff spool: file ended before its run");
        }
        pos += r;
      }
      buf.limit(buf.position());
      buf.flip();
      if (buf.remaining() < n) {
        throw new IOException("diff spool: a run ends inside an entry");
      }
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    held = null;
    if (file != null) {
      file.close();
    }
  }
}

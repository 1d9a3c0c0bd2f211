package io.strata.server.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.protocol.Transfer;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import io.strata.server.op.ErrorStatus;
import io.strata.server.op.Operation;
import io.strata.server.op.Outcome;
import io.strata.server.op.UploadSink;
import io.strata.store.disk.OutOfDescriptors;
import io.strata.store.disk.ReadOnlyDisk;
import io.strata.store.error.StorageFullException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One request in flight: its id, its engine-side state (an upload sink or a download pump) and the
 * guarantee that it is answered exactly once. Engine work runs on its {@link SerialExecutor}; the
 * flags the event loop reads are volatile or atomic.
 */
final class ServerStream {
  private static final System.Logger LOG = System.getLogger(ServerStream.class.getName());

  /**
   * Bytes copied out of a direct DATA payload per sink call. The buffer is per engine thread and of
   * a fixed size: sized from a stream's first frame, a 0-byte frame made a buffer that copied
   * nothing and spun forever, and a 1-byte frame cut every later frame into bytes. So the memory
   * this takes is bounded by the engine threads, not by what peers send.
   */
  static final int COPY_BUFFER = Wire.DATA_CHUNK;

  private static final ThreadLocal<byte[]> COPY =
      ThreadLocal.withInitial(() -> new byte[COPY_BUFFER]);

  private final int id;
  private final String label;
  private final Transfer transfer;
  private final Channel channel;
  private final SerialExecutor executor;
  // what a full disk's answer names: the OS's ENOSPC names no file, and any file of it may meet it
  private final Path dataRoot;
  // told of a full disk answered (the registry's blob cache gives its space back)
  private final Consumer<String> onDiskFull;
  private volatile String failure;
  private final BiConsumer<ServerStream, Status> onAnswered;
  private final LongConsumer bytesSent;
  private final AtomicBoolean answered = new AtomicBoolean();
  private final AtomicBoolean parked = new AtomicBoolean();
  private volatile boolean cancelled;
  private boolean inputEnded;
  // read by cancel() on the event loop while the stream's thread may be in finish()
  private volatile UploadSink sink;
  private volatile DownloadPump pump;

  ServerStream(
      int id,
      int opcode,
      Channel channel,
      Executor pool,
      Path dataRoot,
      Consumer<String> onDiskFull,
      BiConsumer<ServerStream, Status> onAnswered,
      LongConsumer bytesSent) {
    Opcode op = Opcode.of(opcode);
    this.id = id;
    this.label = Opcode.describe(opcode);
    this.transfer = op != null ? op.transfer() : Transfer.NONE;
    this.channel = channel;
    this.executor = new SerialExecutor(pool);
    this.dataRoot = dataRoot;
    this.onDiskFull = onDiskFull;
    this.onAnswered = onAnswered;
    this.bytesSent = bytesSent;
  }

  int id() {
    return id;
  }

  String label() {
    return label;
  }

  Transfer transfer() {
    return transfer;
  }

  /** Counts payload bytes a download sent. */
  void sent(long n) {
    bytesSent.accept(n);
  }

  boolean answered() {
    return answered.get();
  }

  /** Whether the client sent END (event loop only). */
  boolean inputEnded() {
    return inputEnded;
  }

  void endInput() {
    inputEnded = true;
  }

  // ---- engine side: everything below runs on the stream's serial executor ----

  /** Starts {@code op} with {@code args}. */
  void start(Operation op, byte[] args) {
    executor.execute(
        () -> {
          if (finished()) {
            return;
          }
          try {
            proceed(op.start(args));
          } catch (Exception | Error e) {
            fail(e);
          }
        });
  }

  /** Answers, takes the upload, or starts the download, as {@code o} says. */
  private void proceed(Outcome o) {
    if (o instanceof Outcome.Reply r) {
      answer(Frame.response(id, Status.OK, r.body()), Status.OK);
    } else if (o instanceof Outcome.Upload u) {
      sink = u.sink();
      if (sink.deliveries() != null) {
        executor.moveTo(sink.deliveries());
      }
    } else if (o instanceof Outcome.Download d) {
      pump = new DownloadPump(this, channel, d.data(), d.end(), d.live());
      pump.run();
    }
  }

  /** Feeds one DATA payload to the upload; {@code done} runs once the bytes are consumed. */
  void write(ByteBuf data, Runnable done) {
    executor.execute(
        () -> {
          try {
            if (sink == null || finished()) {
              return;
            }
            feed(data, sink);
          } catch (Exception | Error e) {
            fail(e);
          } finally {
            data.release();
            done.run();
          }
        });
  }

  /** Hands the readable bytes of {@code data} to {@code sink}, without consuming them. */
  static void feed(ByteBuf data, UploadSink sink) throws IOException {
    int from = data.readerIndex();
    int end = from + data.readableBytes();
    if (data.hasArray()) {
      if (end > from) {
        sink.write(data.array(), data.arrayOffset() + from, end - from);
      }
      return;
    }
    byte[] copy = COPY.get();
    for (int at = from; at < end; ) {
      int len = Math.min(copy.length, end - at);
      data.getBytes(at, copy, 0, len);
      sink.write(copy, 0, len);
      at += len;
    }
  }

  /** The client sent END: commit the upload and answer. */
  void finishUpload() {
    executor.execute(
        () -> {
          if (sink == null || finished()) {
            return;
          }
          try {
            Outcome o = sink.finish();
            sink = null;
            if (o instanceof Outcome.Upload) {
              throw new IllegalStateException(label + ": an upload cannot go on as another upload");
            }
            proceed(o);
          } catch (Exception | Error e) {
            fail(e);
          }
        });
  }

  /** The client cancelled or the connection closed: stop, keep nothing, answer CANCELLED. */
  void cancel(String why) {
    cancelled = true;
    UploadSink working = sink;
    if (working != null) {
      working.cancelRequested();
    }
    executor.execute(
        () -> {
          if (answered()) {
            return;
          }
          abortWork();
          answer(Frame.error(id, Status.CANCELLED, label + " cancelled: " + why), Status.CANCELLED);
        });
  }

  /**
   * Whether the stream was answered or cancelled: its work should stop, and the client's later
   * frames for it are ignored. Set on the event loop by a CANCEL before the engine sees it.
   */
  boolean finished() {
    return cancelled || answered();
  }

  /**
   * Answers with the error {@code t} stands for, after dropping the stream's work. If telling what
   * it stands for fails too (the heap exhausted, a class unloadable, an exception whose message
   * throws), the answer is a bare internal error: the client must hear that its request ended, or
   * it waits for an answer that never comes.
   */
  void fail(Throwable t) {
    try {
      failWith(t);
    } catch (RuntimeException | Error again) {
      LOG.log(System.Logger.Level.ERROR, "request " + label + " (stream " + id + ") failed", again);
      answer(
          Frame.error(id, Status.INTERNAL, label + ": internal error on the server"),
          Status.INTERNAL);
    }
  }

  private void failWith(Throwable t) {
    if (finished()) {
      // Answered, or cancelled: the cancel's own task, queued behind this one, answers CANCELLED
      // (a cancelled download's source fails its read, and that is no error of the request).
      return;
    }
    abortWork();
    Status status = ErrorStatus.of(t);
    String message = t.getMessage();
    boolean io = t instanceof UncheckedIOException || t instanceof IOException;
    // whether the data root's disk is the full one (a store's own full disk always is)
    boolean dataRootFull = status == Status.STORAGE_FULL;
    if (status == Status.STORAGE_FULL && !(t instanceof StorageFullException)) {
      // The OS's ENOSPC from a file of the request's own (a driver's record, a spool, a container's
      // file): the same sentence as the store's, whichever file met it; unless the data root has
      // room, when it was another file system's (a bind mount's source), which the OS's words do
      // not name either.
      String os = t instanceof UncheckedIOException u ? u.getCause().getMessage() : message;
      long usable = usableSpace(dataRoot);
      // A cause that names the data root met its disk (an unmount reporting writes a full disk took
      // earlier, since freed: tester AS6 was told of a bind mount the container did not have).
      dataRootFull = usable < ELSEWHERE || os.contains("data root " + dataRoot + ":");
      message =
          dataRootFull
              ? label + ": data root " + dataRoot + ": the disk is full (" + os + ")"
              : label
                  + ": the disk is full ("
                  + os
                  + "), not the data root's, which has "
                  + (usable >> 20)
                  + " MiB free: the file system of a bind mount's source";
    } else if (ReadOnlyDisk.causedBy(t) && ReadOnlyDisk.isReadOnly(dataRoot)) {
      // EROFS names the file it met, not why: one sentence naming the data root, as a full disk's
      message = label + ": " + ReadOnlyDisk.sentence(dataRoot, message);
    } else if (io) {
      message = label + ": I/O error on the server: " + message;
    }
    if (status == Status.UNAVAILABLE && OutOfDescriptors.causedBy(t)) {
      // One line: while descriptors are short every request may meet it, and the cause is known.
      LOG.log(
          System.Logger.Level.WARNING,
          "request "
              + label
              + " (stream "
              + id
              + ") failed, the server is out of file descriptors: "
              + message);
      if (io) {
        // The JDK's text names a file of the data root and, wrapped, an exception class.
        message =
            label
                + ": "
                + OutOfDescriptors.TOO_MANY_OPEN_FILES
                + " on the server (its open-file limit is reached); retry";
      }
    }
    if (status == Status.INTERNAL) {
      LOG.log(System.Logger.Level.WARNING, "request " + label + " (stream " + id + ") failed", t);
      if (!io) {
        // An unexpected exception's text is a library's or the JVM's (a NullPointerException's
        // helpful message names our fields): the client gets a sentence, the log the details.
        message = label + ": internal error on the server (" + t.getClass().getSimpleName() + ")";
      }
    }
    failure = message;
    answer(Frame.error(id, status, message), status);
    if (dataRootFull) {
      onDiskFull.accept(message);
    }
  }

  /**
   * Usable bytes past which a full disk a request met is not the data root's: the store's own
   * writes stop within a few MiB of the end (its space reserve is 2 MiB and more).
   */
  static final long ELSEWHERE = 16L << 20;

  /** The usable space of {@code dir}'s file system; 0 when it cannot be read (taken as full). */
  private static long usableSpace(Path dir) {
    try {
      return java.nio.file.Files.getFileStore(dir).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Sends the one RESPONSE of this stream; later calls only release their frame. */
  void answer(Frame response, Status status) {
    if (!answered.compareAndSet(false, true)) {
      response.release();
      return;
    }
    // Forgotten first: the connection's count of requests in flight must drop before the client
    // can see the RESPONSE, or a client that sends its next request on seeing it (as a pipelining
    // client keeping the most streams in flight does) would be over the limit.
    onAnswered.accept(this, status);
    channel.writeAndFlush(response);
  }

  /**
   * The sentence a failed request was answered with (null while it has not failed): the server's
   * log line of the request's end carries it, so that the log alone tells what failed on what (a
   * damaged read names its image, pack and chunk there as to the client).
   */
  String failure() {
    return failure;
  }

  private void abortWork() {
    if (sink != null) {
      sink.abort();
      sink = null;
    }
    if (pump != null) {
      pump.close();
    }
  }

  // ---- download flow control ----

  /**
   * The pump found the channel unwritable: park it until the event loop sees it writable again.
   * Returns false when the channel became writable meanwhile and the pump should go on.
   */
  boolean park() {
    parked.set(true);
    return !(channel.isWritable() && parked.compareAndSet(true, false));
  }

  /** The download's producer has bytes again: run the pump, from whatever thread says so. */
  void resume() {
    DownloadPump p = pump;
    if (p != null) {
      executor.execute(p);
    }
  }

  /** On the event loop: the channel is writable (or closed); resumes a parked pump. */
  void unpark() {
    if (parked.compareAndSet(true, false) && pump != null) {
      executor.execute(pump);
    }
  }

  /** Closes a resource of this stream, logging (not throwing) a failure to close it. */
  static void closeQuietly(Closeable c, String what) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing {0} failed: {1}", what, e.toString());
    }
  }
}

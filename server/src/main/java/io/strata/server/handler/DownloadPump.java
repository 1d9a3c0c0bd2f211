package io.strata.server.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import io.strata.server.codec.FrameEncoder;
import io.strata.server.op.Readiness;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Moves a download from the engine to the channel in DATA frames of {@link Wire#DATA_CHUNK} bytes,
 * only while the channel is writable: when the peer reads slowly the pump parks, holding no thread,
 * and the event loop resumes it on writability. Frames are encoded in place, several to a buffer,
 * and each buffer is one write and flush: every write from this thread is a task for the event loop
 * and may wake it, so a bulk download hands it one per half MiB, not one per frame. So a download
 * holds at most the channel's high-water mark plus one batch in memory, whatever the object's size.
 * A live stream (a build log) sends what each read returns at once, so the client sees output as it
 * is produced.
 *
 * <p>A source another thread fills ({@link Readiness}: exports, build logs, transfer progress) is
 * read only as far as it has bytes: when it has none the pump parks until the producer calls back,
 * holding no thread. A read that waited would pin an engine thread for as long as the producer
 * takes (a pull from a silent peer: forever), and the stream's CANCEL, queued behind it, would
 * never run.
 */
final class DownloadPump implements Runnable {
  /** DATA frames encoded into one buffer and written at once. */
  private static final int FRAMES_PER_WRITE = 8;

  private static final int FRAME_SIZE = FrameHeader.SIZE + Wire.DATA_CHUNK;

  private final ServerStream stream;
  private final Channel channel;
  private final InputStream data;
  private final Supplier<Object> end;
  private final boolean live;
  private final Readiness producer;
  private boolean closed;

  DownloadPump(
      ServerStream stream, Channel channel, InputStream data, Supplier<Object> end, boolean live) {
    this.stream = stream;
    this.channel = channel;
    this.data = data;
    this.end = end;
    this.live = live;
    this.producer = data instanceof Readiness r ? r : null;
  }

  /** Runs on the stream's serial executor. */
  @Override
  public void run() {
    try {
      while (!stream.finished()) {
        if (!channel.isActive()) {
          stream.cancel("the connection closed");
          return;
        }
        if (!channel.isWritable()) {
          if (stream.park()) {
            return;
          }
          continue;
        }
        if (producer != null && !producer.ready(stream::resume)) {
          return;
        }
        // On the heap, the blob stream reads straight into the batch's array; the event loop
        // copies it once into the socket's direct buffer. A direct batch would be filled through
        // a fresh temporary array per frame (Netty's InputStream path).
        int size = live ? FRAME_SIZE : FRAMES_PER_WRITE * FRAME_SIZE;
        ByteBuf batch = channel.alloc().heapBuffer(size, size);
        boolean eof;
        try {
          eof = fillBatch(batch);
        } catch (IOException | RuntimeException e) {
          batch.release();
          throw e;
        }
        if (batch.isReadable()) {
          channel.writeAndFlush(batch);
        } else {
          batch.release();
        }
        if (eof) {
          close();
          stream.answer(Frame.response(stream.id(), Status.OK, end.get()), Status.OK);
          return;
        }
      }
      close();
    } catch (Exception | Error e) {
      stream.fail(e);
    }
  }

  /**
   * Appends DATA frames to {@code batch} until it is full or the data ends (a live stream: after
   * the first frame); true at the end.
   */
  private boolean fillBatch(ByteBuf batch) throws IOException {
    while (batch.writableBytes() >= FRAME_SIZE) {
      int header = batch.writerIndex();
      batch.writerIndex(header + FrameHeader.SIZE);
      boolean eof = fill(batch, header + FRAME_SIZE);
      int n = batch.writerIndex() - header - FrameHeader.SIZE;
      if (n == 0) {
        batch.writerIndex(header);
        if (!eof) {
          // a producer with nothing more for now: send what the batch holds
          return false;
        }
      } else {
        FrameEncoder.setHeader(batch, header, FrameType.DATA, stream.id(), n);
        stream.sent(n);
      }
      if (eof) {
        return true;
      }
      if (live) {
        return false;
      }
    }
    return false;
  }

  /**
   * Reads into {@code buf} up to writer index {@code limit} or the end of the data (a live stream:
   * until a read returned something); true at the end.
   */
  private boolean fill(ByteBuf buf, int limit) throws IOException {
    int start = buf.writerIndex();
    while (buf.writerIndex() < limit) {
      if (producer != null && !producer.ready(null)) {
        return false;
      }
      if (buf.writeBytes(data, limit - buf.writerIndex()) < 0) {
        return true;
      }
      if (live && buf.writerIndex() > start) {
        return false;
      }
    }
    return false;
  }

  /** Releases the engine stream; idempotent. */
  void close() {
    if (!closed) {
      closed = true;
      ServerStream.closeQuietly(data, "download of " + stream.label());
    }
  }
}

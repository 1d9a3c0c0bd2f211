package io.strata.server.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import io.strata.server.codec.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Moves a download from the engine to the channel in DATA frames of {@link Wire#DATA_CHUNK} bytes,
 * only while the channel is writable: when the peer reads slowly the pump parks, holding no thread,
 * and the event loop resumes it on writability. So a download holds at most the channel's
 * high-water mark plus one frame in memory, whatever the object's size. A live stream (a build log)
 * sends what each read returns at once, so the client sees output as it is produced.
 */
final class DownloadPump implements Runnable {
  /**
   * Frames written before a flush: each flush is a wake-up of the event loop and a syscall, so a
   * bulk download flushes every half MiB (and whenever it must wait), not every frame.
   */
  private static final int FLUSH_EVERY = 8;

  private final ServerStream stream;
  private final Channel channel;
  private final InputStream data;
  private final Supplier<Object> end;
  private final boolean live;
  private boolean closed;

  DownloadPump(
      ServerStream stream, Channel channel, InputStream data, Supplier<Object> end, boolean live) {
    this.stream = stream;
    this.channel = channel;
    this.data = data;
    this.end = end;
    this.live = live;
  }

  /** Runs on the stream's serial executor. */
  @Override
  public void run() {
    int unflushed = 0;
    try {
      while (!stream.finished()) {
        if (!channel.isActive()) {
          stream.cancel("the connection closed");
          return;
        }
        if (!channel.isWritable()) {
          // What is buffered must reach the peer, or the channel never drains and wakes us.
          channel.flush();
          unflushed = 0;
          if (stream.park()) {
            return;
          }
          continue;
        }
        ByteBuf buf = channel.alloc().buffer(Wire.DATA_CHUNK, Wire.DATA_CHUNK);
        boolean eof;
        try {
          eof = fill(buf);
        } catch (IOException | RuntimeException e) {
          buf.release();
          throw e;
        }
        if (buf.isReadable()) {
          stream.sent(buf.readableBytes());
          channel.write(Frame.data(stream.id(), buf));
          if (live || ++unflushed >= FLUSH_EVERY) {
            channel.flush();
            unflushed = 0;
          }
        } else {
          buf.release();
        }
        if (eof) {
          close();
          channel.flush();
          stream.answer(Frame.response(stream.id(), Status.OK, end.get()), Status.OK);
          return;
        }
      }
      channel.flush();
      close();
    } catch (Exception | Error e) {
      stream.fail(e);
    }
  }

  /**
   * Reads until {@code buf} is full or the data ends (a live stream: until a read returned
   * something); true at the end.
   */
  private boolean fill(ByteBuf buf) throws IOException {
    while (buf.isWritable()) {
      if (buf.writeBytes(data, buf.writableBytes()) < 0) {
        return true;
      }
      if (live && buf.isReadable()) {
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

package io.strata.server.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;

/**
 * Where a request's body goes as it arrives, and what happens once it has all come. Bodies are
 * never aggregated beyond a manifest's limit: an upload streams to its spool.
 */
interface Body {
  /** Takes the next piece (not retained beyond the call). */
  void content(ByteBuf piece) throws IOException;

  /** The body is complete: answer the request. */
  void end() throws IOException;

  /** The request failed or the connection dropped before the end: undo what the body did. */
  default void abort() {}

  /** Ignores the body (a GET's, which is empty) and runs {@code action} at its end. */
  static Body ignored(IoAction action) {
    return new Body() {
      @Override
      public void content(ByteBuf piece) {}

      @Override
      public void end() throws IOException {
        action.run();
      }
    };
  }

  /**
   * Gathers up to {@code limit} bytes, refusing more with {@code tooLarge}, then hands them over.
   */
  static Body buffered(int limit, RegistryError tooLarge, BytesAction action) {
    CompositeByteBuf buf = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
    return new Body() {
      @Override
      public void content(ByteBuf piece) {
        if (buf.readableBytes() + piece.readableBytes() > limit) {
          throw tooLarge;
        }
        buf.addComponent(true, piece.retain());
      }

      @Override
      public void end() throws IOException {
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        buf.release();
        action.run(b);
      }

      @Override
      public void abort() {
        if (buf.refCnt() > 0) {
          buf.release();
        }
      }
    };
  }

  /** An action that may fail with an I/O error. */
  @FunctionalInterface
  interface IoAction {
    void run() throws IOException;
  }

  /** An action over a complete small body. */
  @FunctionalInterface
  interface BytesAction {
    void run(byte[] body) throws IOException;
  }
}

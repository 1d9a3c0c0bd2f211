package io.strata.server.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.strata.protocol.FrameType;
import io.strata.protocol.Wire;
import java.util.Locale;

/**
 * Cuts the inbound byte stream into {@link Frame}s. A state machine: it reads the length prefix,
 * checks it against the maximum before buffering anything more (so a 2 GiB prefix costs nothing),
 * then waits for the whole frame. A frame that is too short, too long, of an unknown type, or of a
 * type only servers send raises a {@link CorruptFrameException}; after that every further byte is
 * discarded, since the stream has lost its framing for good.
 *
 * <p>What a frame being received holds is bounded by its length, whatever reads bring it. A frame
 * within one read is passed on as a slice of it. One that spans reads is kept as slices of them (no
 * copy: a 64 KiB DATA frame mostly spans two 64 KiB reads) while they are few and their buffers
 * hold at most its length plus one read buffer; else it is copied into one buffer of its exact
 * length, which the later reads fill. Kept as slices of any reads, a frame trickled a byte a read
 * held a read buffer and a heap object per byte: two MB so sent took down a server with a 128 MiB
 * heap.
 *
 * <p>A connection may always receive one frame of up to {@link #OWN_FRAME} bytes, the largest a
 * strata client sends. A longer one takes its length from the server's {@link FrameBudget} from its
 * first read until it is complete; if it does not fit, a {@link FrameBudgetException} ends the
 * connection. Without that, 500 peers that each announced a 1 MiB frame and never finished it took
 * all of a server's direct memory.
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter {
  /**
   * The largest frame a connection receives without the shared budget: a REQUEST with the largest
   * arguments (a DATA frame of {@link Wire#DATA_CHUNK} is 2 bytes shorter).
   */
  public static final int OWN_FRAME = Wire.HEADER + 2 + Wire.MAX_ARGS;

  /** The largest buffer one read fills: the maximum of Netty's adaptive receive allocator. */
  public static final int READ_BUFFER = 64 << 10;

  /** The most reads a frame is kept as slices of; a 1 MiB frame of 64 KiB reads spans 17. */
  static final int MAX_PIECES = 32;

  private enum State {
    LENGTH,
    BODY,
    BROKEN
  }

  private final int maxFrameLength;
  private final FrameBudget budget;
  private State state = State.LENGTH;
  // The bytes of the length prefix read so far, when it spans reads.
  private long prefix;
  private int prefixBytes;
  // The frame's length: its type, stream and payload, what BODY waits for.
  private int length;
  // The frame so far when it spans reads: slices of the reads (a composite), or one copy.
  private ByteBuf partial;
  private boolean copied;
  private int pieces;
  // The capacity of the read buffers the slices keep alive.
  private long piecesCapacity;
  // What the frame took from the budget.
  private long charged;

  /**
   * {@code maxFrameLength}: the largest length prefix accepted; {@code budget}: the server's, for
   * frames longer than {@link #OWN_FRAME}.
   */
  public FrameDecoder(int maxFrameLength, FrameBudget budget) {
    this.maxFrameLength = maxFrameLength;
    this.budget = budget;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      while (in.isReadable() && state != State.BROKEN && !ctx.isRemoved()) {
        if (state == State.LENGTH) {
          prefix(in);
        } else {
          body(ctx, in);
        }
      }
    } catch (CorruptFrameException | FrameBudgetException e) {
      state = State.BROKEN;
      discardPartial();
      ctx.fireExceptionCaught(e);
    } finally {
      in.release();
    }
  }

  private void prefix(ByteBuf in) {
    if (prefixBytes == 0 && in.readableBytes() >= Wire.LENGTH_FIELD) {
      prefix = in.readUnsignedInt();
      prefixBytes = Wire.LENGTH_FIELD;
    }
    while (prefixBytes < Wire.LENGTH_FIELD && in.isReadable()) {
      prefix = prefix << 8 | in.readUnsignedByte();
      prefixBytes++;
    }
    if (prefixBytes < Wire.LENGTH_FIELD) {
      return;
    }
    long len = prefix;
    prefix = 0;
    prefixBytes = 0;
    if (len < Wire.HEADER) {
      throw broken("frame length " + len + " is below the header size " + Wire.HEADER);
    }
    if (len > maxFrameLength) {
      throw broken("frame length " + len + " exceeds the maximum " + maxFrameLength);
    }
    length = (int) len;
    state = State.BODY;
  }

  private void body(ChannelHandlerContext ctx, ByteBuf in) {
    if (partial == null) {
      if (in.readableBytes() >= length) {
        emit(ctx, in);
        return;
      }
      begin(ctx);
    }
    append(ctx, in, Math.min(in.readableBytes(), length - partial.readableBytes()));
    if (partial.readableBytes() == length) {
      ByteBuf whole = partial;
      partial = null;
      giveBack();
      try {
        emit(ctx, whole);
      } finally {
        whole.release();
      }
    }
  }

  /** The frame spans reads: takes its length from the budget if it is a long one. */
  private void begin(ChannelHandlerContext ctx) {
    if (length > OWN_FRAME) {
      if (!budget.take(length)) {
        throw new FrameBudgetException(
            String.format(
                Locale.ROOT,
                "a frame of %,d bytes cannot be received now: frames over %,d bytes arriving from"
                    + " all peers hold %,d of the %,d bytes the server allows them; retry later,"
                    + " or send frames of at most %,d bytes",
                length,
                OWN_FRAME,
                budget.used(),
                budget.capacity(),
                OWN_FRAME));
      }
      charged = length;
    }
    partial = ctx.alloc().compositeBuffer(MAX_PIECES);
    copied = false;
    pieces = 0;
    piecesCapacity = 0;
  }

  /** Adds the next {@code n} bytes of {@code in} to the frame, as a slice or as a copy. */
  private void append(ChannelHandlerContext ctx, ByteBuf in, int n) {
    if (!copied) {
      if (pieces < MAX_PIECES && piecesCapacity + in.capacity() <= (long) length + READ_BUFFER) {
        ((CompositeByteBuf) partial).addComponent(true, in.readRetainedSlice(n));
        pieces++;
        piecesCapacity += in.capacity();
        return;
      }
      // The reads bring little for their buffers (a trickle, a slow link): copied from now on.
      ByteBuf whole = ctx.alloc().buffer(length, length);
      whole.writeBytes(partial);
      partial.release();
      partial = whole;
      copied = true;
    }
    partial.writeBytes(in, n);
  }

  /** Passes on the frame at the reader index of {@code src}, whose {@link #length} bytes are in. */
  private void emit(ChannelHandlerContext ctx, ByteBuf src) {
    int code = src.readUnsignedByte();
    FrameType type = FrameType.of(code);
    if (type == null) {
      throw broken(String.format("frame type 0x%02x is unknown", code));
    }
    if (!type.fromClient()) {
      throw broken("frame type " + type + " may only be sent by a server");
    }
    int stream = src.readInt();
    state = State.LENGTH;
    ctx.fireChannelRead(new Frame(type, stream, src.readRetainedSlice(length - Wire.HEADER)));
  }

  private void giveBack() {
    if (charged > 0) {
      budget.give(charged);
      charged = 0;
    }
  }

  private void discardPartial() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
    giveBack();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    discardPartial();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    discardPartial();
  }

  private CorruptFrameException broken(String message) {
    state = State.BROKEN;
    return new CorruptFrameException(message);
  }
}

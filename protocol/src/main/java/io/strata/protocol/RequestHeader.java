package io.strata.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A REQUEST payload: {@code opcode:u16 args:utf8-json...}. The stream id is in the frame header.
 *
 * @param opcode the wire opcode (kept as a number: a server must be able to name codes it lacks)
 * @param args the JSON arguments, {@code {}} when there are none
 */
public record RequestHeader(int opcode, byte[] args) {
  public RequestHeader {
    if (opcode < 0 || opcode > 0xFFFF) {
      throw new IllegalArgumentException("request: opcode " + opcode + " is not a u16");
    }
    args = args.clone();
  }

  @Override
  public byte[] args() {
    return args.clone();
  }

  /** The payload bytes. */
  public byte[] encode() {
    return ByteBuffer.allocate(2 + args.length).putShort((short) opcode).put(args).array();
  }

  /** Reads a REQUEST payload. */
  public static RequestHeader decode(ByteBuffer b) throws ProtocolException {
    if (b.remaining() < 2) {
      throw new ProtocolException(
          "request: payload has " + b.remaining() + " bytes, expected at least 2");
    }
    int opcode = Short.toUnsignedInt(b.getShort());
    if (b.remaining() > Wire.MAX_ARGS) {
      throw new ProtocolException(
          "request "
              + Opcode.describe(opcode)
              + ": arguments of "
              + b.remaining()
              + " bytes exceed the maximum "
              + Wire.MAX_ARGS);
    }
    byte[] args = new byte[b.remaining()];
    b.get(args);
    return new RequestHeader(opcode, args);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RequestHeader r && r.opcode == opcode && Arrays.equals(r.args, args);
  }

  @Override
  public int hashCode() {
    return 31 * opcode + Arrays.hashCode(args);
  }

  @Override
  public String toString() {
    return "RequestHeader[" + Opcode.describe(opcode) + ", " + args.length + " bytes of args]";
  }
}

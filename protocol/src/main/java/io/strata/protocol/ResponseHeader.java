package io.strata.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A RESPONSE payload: {@code status:u16 body:utf8-json...}. On success the body is the opcode's
 * reply; on failure it is {@code {"message": "..."}}.
 *
 * @param status the outcome
 * @param body the JSON body
 */
public record ResponseHeader(Status status, byte[] body) {
  public ResponseHeader {
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The payload bytes. */
  public byte[] encode() {
    return ByteBuffer.allocate(2 + body.length).putShort((short) status.code()).put(body).array();
  }

  /** Reads a RESPONSE payload. */
  public static ResponseHeader decode(ByteBuffer b) throws ProtocolException {
    if (b.remaining() < 2) {
      throw new ProtocolException(
          "response: payload has " + b.remaining() + " bytes, expected at least 2");
    }
    Status status = Status.of(Short.toUnsignedInt(b.getShort()));
    byte[] body = new byte[b.remaining()];
    b.get(body);
    return new ResponseHeader(status, body);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResponseHeader r && r.status == status && Arrays.equals(r.body, body);
  }

  @Override
  public int hashCode() {
    return 31 * status.hashCode() + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "ResponseHeader[" + status + ", " + body.length + " bytes of body]";
  }
}

package io.strata.protocol;

/** The kind of a frame: its first byte after the length prefix. */
public enum FrameType {
  /** Client, first frame: magic and the range of versions it speaks. */
  HELLO(0x01, true),
  /** Server, answer to HELLO: magic, chosen version, whether a token is required, limits. */
  WELCOME(0x02, false),
  /** Client, only when WELCOME asked for it: the token bytes. */
  AUTH(0x03, true),
  /** Server, answer to a good AUTH. */
  AUTH_OK(0x04, false),
  /** Client: opens a stream with an opcode and JSON arguments. */
  REQUEST(0x10, true),
  /** Either side: a piece of a stream's payload. */
  DATA(0x11, true),
  /** Client: the end of the payload it uploads on a stream. */
  END(0x12, true),
  /** Server: the final answer of a stream (status and JSON body); on stream 0 a fatal error. */
  RESPONSE(0x13, false),
  /** Client: abandon a stream. */
  CANCEL(0x14, true);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;
  private final boolean fromClient;

  FrameType(int code, boolean fromClient) {
    this.code = code;
    this.fromClient = fromClient;
  }

  /** The byte on the wire. */
  public int code() {
    return code;
  }

  /** Whether a client may send it (DATA goes both ways). */
  public boolean fromClient() {
    return fromClient;
  }

  /** Whether a server may send it. */
  public boolean fromServer() {
    return !fromClient || this == DATA;
  }

  /** The type of wire byte {@code code}, or null when no type has it. */
  public static FrameType of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}

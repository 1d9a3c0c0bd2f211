package io.strata.protocol;

/** Which way a request's payload flows, besides its JSON arguments and answer. */
public enum Transfer {
  /** Arguments in, one RESPONSE out. */
  NONE,
  /** The client sends DATA frames and an END after the REQUEST; then one RESPONSE. */
  UPLOAD,
  /** The server sends DATA frames, then the RESPONSE that ends the stream. */
  DOWNLOAD,
  /**
   * An UPLOAD followed by a DOWNLOAD: the client sends DATA frames and an END; then the server
   * sends DATA frames (output produced while it works on the upload) and the RESPONSE.
   */
  EXCHANGE;

  /** Whether the client sends DATA and END. */
  public boolean uploads() {
    return this == UPLOAD || this == EXCHANGE;
  }

  /** Whether the server sends DATA before its RESPONSE. */
  public boolean downloads() {
    return this == DOWNLOAD || this == EXCHANGE;
  }
}

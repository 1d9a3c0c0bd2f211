package io.strata.protocol;

/** Which way a request's payload flows, besides its JSON arguments and answer. */
public enum Transfer {
  /** Arguments in, one RESPONSE out. */
  NONE,
  /** The client sends DATA frames and an END after the REQUEST; then one RESPONSE. */
  UPLOAD,
  /** The server sends DATA frames, then the RESPONSE that ends the stream. */
  DOWNLOAD
}

/**
 * The Strata wire protocol, shared by the server and every client: frame layout and limits ({@link
 * io.strata.protocol.Wire}), frame types, opcodes and status codes, and the binary codecs of the
 * control messages. Plain byte arrays and {@link java.nio.ByteBuffer}s only, so that it depends on
 * no network library; {@code docs/PROTOCOL.md} is its prose specification.
 */
package io.strata.protocol;

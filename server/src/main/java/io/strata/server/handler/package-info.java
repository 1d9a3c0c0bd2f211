/**
 * The per-connection pipeline of stratad after framing: the handshake (version, then token), the
 * request dispatcher with its streams, flow control in both directions (autoRead off while the
 * engine is behind; downloads that wait for writability), timeouts, and fatal connection errors.
 * Engine calls run on a separate executor, serialized per stream, never on an event loop.
 */
package io.strata.server.handler;

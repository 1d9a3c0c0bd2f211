/**
 * Framing on the Netty side: the length-prefixed frame decoder (a state machine that refuses
 * oversized, undersized and unknown frames), the encoder, and {@link io.strata.server.codec.Frame},
 * a frame whose payload is a reference-counted buffer.
 */
package io.strata.server.codec;

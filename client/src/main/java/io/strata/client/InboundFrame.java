package io.strata.client;

import io.strata.protocol.FrameType;

/**
 * A frame as the blocking client reads it.
 *
 * @param type its type
 * @param stream its stream id
 * @param payload its payload (not copied: frames are read once)
 */
record InboundFrame(FrameType type, int stream, byte[] payload) {}

package io.strata.protocol.message;

/**
 * One line of the DATA of {@code image.push} and {@code image.pull}: how far the transfer is, sent
 * once the receiver knows what it lacks and after each batch of chunks.
 *
 * @param bytesSent bytes of chunks (before compression) that have crossed so far
 * @param bytesToSend bytes of the chunks the receiver lacks
 */
public record TransferProgress(long bytesSent, long bytesToSend) {}

package io.strata.protocol.registry;

/**
 * What a registry transfer moved.
 *
 * @param blobsSent blobs (and manifests) that crossed the wire
 * @param blobsTotal blobs (and manifests) the image has
 * @param bytesSent bytes that crossed the wire
 * @param bytesTotal bytes the image has
 */
public record Tally(long blobsSent, long blobsTotal, long bytesSent, long bytesTotal) {
  public Tally plus(boolean sent, long bytes) {
    return new Tally(
        blobsSent + (sent ? 1 : 0),
        blobsTotal + 1,
        bytesSent + (sent ? bytes : 0),
        bytesTotal + bytes);
  }
}

package io.strata.store.error;

/**
 * Stored bytes fail their checksum or digest. Carries the damaged resource (a pack file, a chunk
 * digest) so that callers can report what is affected.
 */
public final class CorruptDataException extends StrataException {
  private final String resource;

  public CorruptDataException(String message, String resource) {
    super(message);
    this.resource = resource;
  }

  public CorruptDataException(String message, String resource, Throwable cause) {
    super(message, cause);
    this.resource = resource;
  }

  /** The damaged resource: a pack file name or a chunk digest. */
  public String resource() {
    return resource;
  }
}

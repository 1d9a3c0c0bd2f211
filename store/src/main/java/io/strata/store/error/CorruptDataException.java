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

  /**
   * This damage as met within {@code what} (an image, a layer, a file), named first: the damage's
   * own words name pack, offset and chunk, and the user knows what of theirs it hit. Unchanged when
   * it names {@code what} already.
   */
  public CorruptDataException within(String what) {
    if (getMessage() != null && getMessage().startsWith(what + ": ")) {
      return this;
    }
    return new CorruptDataException(what + ": " + getMessage(), resource, this);
  }

  /** The damaged resource: a pack file name or a chunk digest. */
  public String resource() {
    return resource;
  }
}

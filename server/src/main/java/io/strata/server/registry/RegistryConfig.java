package io.strata.server.registry;

import io.strata.protocol.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@code stratad --registry} serves.
 *
 * @param listen the address of the HTTP(S) endpoint
 * @param tlsCert the PEM certificate chain to serve HTTPS with, or null for plain HTTP
 * @param tlsKey the PEM (PKCS#8) private key of {@code tlsCert}, or null
 * @param anonymousPull whether GET and HEAD are served without the token when there is one
 * @param idleTimeout a connection that sends nothing for this long is closed (slow clients)
 * @param uploadExpiry an upload nobody touched for this long is discarded
 * @param blobCacheBytes the most disk the whole copies of gzip blobs kept as recipes may take
 *     ({@link BlobCache}); 0: none, every pull regenerates
 */
public record RegistryConfig(
    HostPort listen,
    Path tlsCert,
    Path tlsKey,
    boolean anonymousPull,
    Duration idleTimeout,
    Duration uploadExpiry,
    long blobCacheBytes) {
  /** The default idle timeout. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** The default upload expiry. */
  public static final Duration UPLOAD_EXPIRY = Duration.ofHours(1);

  /** The default bound of the blob cache: 2 GiB. */
  public static final long BLOB_CACHE_BYTES = 2L << 30;

  public RegistryConfig {
    Objects.requireNonNull(listen);
    Objects.requireNonNull(idleTimeout);
    Objects.requireNonNull(uploadExpiry);
    if (blobCacheBytes < 0) {
      throw new IllegalArgumentException("the blob cache bound must not be negative");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "a TLS certificate needs its key, and a key its certificate");
    }
  }

  /** A configuration with the default blob cache. */
  public RegistryConfig(
      HostPort listen,
      Path tlsCert,
      Path tlsKey,
      boolean anonymousPull,
      Duration idleTimeout,
      Duration uploadExpiry) {
    this(listen, tlsCert, tlsKey, anonymousPull, idleTimeout, uploadExpiry, BLOB_CACHE_BYTES);
  }

  /** Plain HTTP at {@code listen} with the default timeouts. */
  public static RegistryConfig plain(HostPort listen) {
    return new RegistryConfig(
        listen, null, null, false, IDLE_TIMEOUT, UPLOAD_EXPIRY, BLOB_CACHE_BYTES);
  }

  /** This configuration with a blob cache of at most {@code bytes} (0: none). */
  public RegistryConfig withBlobCache(long bytes) {
    return new RegistryConfig(
        listen, tlsCert, tlsKey, anonymousPull, idleTimeout, uploadExpiry, bytes);
  }

  /** This configuration with other timeouts. */
  public RegistryConfig withTimeouts(Duration idle, Duration expiry) {
    return new RegistryConfig(listen, tlsCert, tlsKey, anonymousPull, idle, expiry, blobCacheBytes);
  }

  /** This configuration with anonymous pull on or off. */
  public RegistryConfig withAnonymousPull(boolean on) {
    return new RegistryConfig(
        listen, tlsCert, tlsKey, on, idleTimeout, uploadExpiry, blobCacheBytes);
  }
}

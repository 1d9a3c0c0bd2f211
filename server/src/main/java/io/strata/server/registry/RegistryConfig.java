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
 */
public record RegistryConfig(
    HostPort listen,
    Path tlsCert,
    Path tlsKey,
    boolean anonymousPull,
    Duration idleTimeout,
    Duration uploadExpiry) {
  /** The default idle timeout. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** The default upload expiry. */
  public static final Duration UPLOAD_EXPIRY = Duration.ofHours(1);

  public RegistryConfig {
    Objects.requireNonNull(listen);
    Objects.requireNonNull(idleTimeout);
    Objects.requireNonNull(uploadExpiry);
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "a TLS certificate needs its key, and a key its certificate");
    }
  }

  /** Plain HTTP at {@code listen} with the default timeouts. */
  public static RegistryConfig plain(HostPort listen) {
    return new RegistryConfig(listen, null, null, false, IDLE_TIMEOUT, UPLOAD_EXPIRY);
  }

  /** This configuration with other timeouts. */
  public RegistryConfig withTimeouts(Duration idle, Duration expiry) {
    return new RegistryConfig(listen, tlsCert, tlsKey, anonymousPull, idle, expiry);
  }

  /** This configuration with anonymous pull on or off. */
  public RegistryConfig withAnonymousPull(boolean on) {
    return new RegistryConfig(listen, tlsCert, tlsKey, on, idleTimeout, uploadExpiry);
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import io.strata.protocol.TokenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How to reach a registry, for every command that pulls from or pushes to one ({@code pull}, {@code
 * push}, {@code image import docker://}, {@code build}): one definition, so the options read the
 * same everywhere. {@code --remote-token-file} also carries the other stratad's token of {@code
 * push --to} and {@code pull --from}.
 */
final class RegistryOptions {
  @Option(names = "--plain-http", description = "Talk to the registry over HTTP, not HTTPS.")
  boolean plainHttp;

  @Option(
      names = "--remote-token-file",
      paramLabel = "FILE",
      description =
          "A file holding the registry's secret, if it asks for one (push --to and pull --from:"
              + " the other stratad's token).")
  Path remoteTokenFile;

  /** Whether either option was given. */
  boolean given() {
    return plainHttp || remoteTokenFile != null;
  }

  /** The secret in {@code --remote-token-file}, or null. */
  String secret() throws StrataClientException {
    if (remoteTokenFile == null) {
      return null;
    }
    try {
      return new String(TokenFile.read(remoteTokenFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StrataClientException(Status.UNAUTHENTICATED, e.getMessage(), e);
    }
  }
}

package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.HostPort;
import io.strata.protocol.Status;
import io.strata.protocol.TokenFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The server a run talks to and its token, from {@code --host}, {@code --token-file} and the
 * environment ({@code STRATA_HOST}, {@code STRATA_TOKEN_FILE}); shared by {@link StrataCli} and
 * {@link QuickCommand}, without picocli.
 */
final class Connect {
  /** The address tried when neither {@code --host} nor {@code STRATA_HOST} is given. */
  static final String DEFAULT_HOST = "127.0.0.1:" + HostPort.DEFAULT_PORT;

  /** Opens a connection; for a command that prints something before it connects. */
  @FunctionalInterface
  interface Opener {
    StrataClient open() throws IOException;
  }

  private Connect() {}

  /**
   * The server {@code host} (null: none given) names; throws {@link IllegalArgumentException} with
   * {@link HostPort#parse}'s words for one that is no HOST:PORT.
   */
  static HostPort target(String host, Map<String, String> env) {
    return HostPort.parse(host != null ? host : setting(env, "STRATA_HOST", DEFAULT_HOST));
  }

  /**
   * Variable {@code name} of {@code env}, or {@code otherwise} when it is unset or empty: an empty
   * variable means unset, as docker reads {@code DOCKER_HOST} (AA2 in docs/ADVERSARIAL.md).
   */
  private static String setting(Map<String, String> env, String name, String otherwise) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? otherwise : v;
  }

  /**
   * Connects to {@code target} with the token of {@code tokenFile} (null: {@code
   * STRATA_TOKEN_FILE}, else none); {@code streaming} as {@link StrataClient#connect(HostPort,
   * byte[], boolean)} takes it. A token file that cannot be read is refused credentials.
   */
  static StrataClient client(
      HostPort target, Path tokenFile, Map<String, String> env, boolean streaming)
      throws IOException {
    Path tokenPath = tokenFile;
    if (tokenPath != null && tokenPath.toString().isEmpty()) {
      throw new IllegalArgumentException("--token-file: an empty path names no file");
    }
    String fromEnv = setting(env, "STRATA_TOKEN_FILE", null);
    if (tokenPath == null && fromEnv != null) {
      tokenPath = Path.of(fromEnv);
    }
    byte[] token = null;
    if (tokenPath != null) {
      try {
        token = TokenFile.read(tokenPath);
      } catch (IOException e) {
        throw new StrataClientException(Status.UNAUTHENTICATED, e.getMessage(), e);
      }
    }
    return StrataClient.connect(target, token, streaming);
  }
}

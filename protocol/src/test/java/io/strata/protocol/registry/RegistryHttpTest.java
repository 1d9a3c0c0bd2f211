package io.strata.protocol.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A request that fails before any answer is named with a sentence, not a Java class. */
@Timeout(60)
class RegistryHttpTest {
  @Test
  void aRegistryNothingListensOnIsConnectionRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RegistryHttp http = new RegistryHttp("127.0.0.1:" + port, true, null);
    assertThatThrownBy(() -> http.discard(HttpRequest.newBuilder(http.uri("/v2/x/manifests/1"))))
        .isInstanceOf(RegistryException.class)
        .hasMessage(
            "registry 127.0.0.1:" + port + ": GET /v2/x/manifests/1 failed: connection refused")
        .matches(e -> ((RegistryException) e).unreachable());
  }

  @Test
  void aPlainHttpAnswerToTlsSuggestsPlainHttpAndOtherHandshakeFailuresDoNot() {
    // what the JDK's client throws when a registry answers a ClientHello in plain HTTP (seen
    // against Debian's docker-registry); a socket test of it timed out now and then instead
    RegistryHttp http = new RegistryHttp("127.0.0.1:5000", false, null);
    java.io.IOException plain =
        new java.io.IOException(
            new javax.net.ssl.SSLException(
                "Unsupported or unrecognized SSL message, plaintext connection?"));
    assertThat(http.reason(plain))
        .isEqualTo(
            "TLS handshake failed (Unsupported or unrecognized SSL message, plaintext"
                + " connection?); a registry that speaks plain HTTP needs --plain-http");
    java.io.IOException other =
        new java.io.IOException(new javax.net.ssl.SSLException("Received fatal alert"));
    assertThat(http.reason(other)).isEqualTo("TLS handshake failed (Received fatal alert)");
    RegistryHttp overHttp = new RegistryHttp("127.0.0.1:5000", true, null);
    assertThat(overHttp.reason(plain)).doesNotContain("--plain-http");
  }

  @Test
  void aRegistryGoneInTheMiddleOfAnAnswerIsAConnectionLost() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = server.accept()) {
                  c.getInputStream().read(new byte[4096]);
                  c.getOutputStream()
                      .write(
                          "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nten bytes!"
                              .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the client went away
                }
              });
      t.setDaemon(true);
      t.start();
      RegistryHttp http = new RegistryHttp("127.0.0.1:" + server.getLocalPort(), true, null);
      var r = http.stream(HttpRequest.newBuilder(http.uri("/v2/a/blobs/x")));
      assertThatThrownBy(
              () -> {
                try (var in = http.body(r, "blob x")) {
                  in.readAllBytes();
                }
              })
          .isInstanceOf(RegistryException.class)
          .hasMessageStartingWith(
              "registry 127.0.0.1:"
                  + server.getLocalPort()
                  + ": connection lost while reading blob x (")
          .matches(e -> ((RegistryException) e).unreachable());
    }
  }

  @Test
  void aRegistryWhoseCertificateIsNotTrustedSaysSoAndHowToTrustIt(@TempDir Path dir)
      throws Exception {
    Path keystore = dir.resolve("registry.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-alias",
                "registry",
                "-keyalg",
                "EC",
                "-dname",
                "CN=127.0.0.1",
                "-validity",
                "2")
            .redirectErrorStream(true)
            .start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/v2/", x -> x.sendResponseHeaders(200, -1));
    server.start();
    try {
      RegistryHttp http =
          new RegistryHttp("127.0.0.1:" + server.getAddress().getPort(), false, null);
      assertThatThrownBy(() -> http.discard(HttpRequest.newBuilder(http.uri("/v2/"))))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("GET /v2/ failed: its TLS certificate is not trusted (")
          .hasMessageContaining("-Djavax.net.ssl.trustStore=FILE")
          .hasMessageNotContaining("--plain-http");
    } finally {
      server.stop(0);
    }
  }
}

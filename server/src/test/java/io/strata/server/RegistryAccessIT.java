package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.HostPort;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use the registry: with a token, only those who present it (as a bearer token or, at the
 * token endpoint, as a Basic password), unless anonymous pull lets GET and HEAD through; and the
 * registry over TLS with a given certificate and key.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryAccessIT {
  @TempDir Path dir;

  private static final String TOKEN = "s3cret-token";

  private TestServer start(boolean anonymousPull) throws Exception {
    return TestServer.start(
        ServerConfig.loopback(dir.resolve("data"))
            .withToken(TOKEN.getBytes(StandardCharsets.UTF_8))
            .withRegistry(
                RegistryConfig.plain(new HostPort("127.0.0.1", 0))
                    .withAnonymousPull(anonymousPull)));
  }

  @Test
  void theTokenIsRequiredAndTheTokenFlowHandsItOut() throws Exception {
    try (TestServer s = start(false);
        RawHttp h = new RawHttp(s.server().registryAddress())) {
      var refused = h.send("GET /v2/ HTTP/1.1\nHost: reg", null).read();
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.header("WWW-Authenticate"))
          .isEqualTo("Bearer realm=\"http://reg/v2/token\",service=\"strata\"");
      assertThat(refused.text()).contains("\"code\":\"UNAUTHORIZED\"");
      assertThat(
              h.send("GET /v2/ HTTP/1.1\nHost: reg\nAuthorization: Bearer wrong", null)
                  .read()
                  .status())
          .isEqualTo(401);
      assertThat(
              h.send("GET /v2/ HTTP/1.1\nHost: reg\nAuthorization: Bearer " + TOKEN, null)
                  .read()
                  .status())
          .isEqualTo(200);
      String basic =
          Base64.getEncoder().encodeToString(("me:" + TOKEN).getBytes(StandardCharsets.UTF_8));
      var token =
          h.send(
                  "GET /v2/token?service=strata HTTP/1.1\nHost: reg\nAuthorization: Basic " + basic,
                  null)
              .read();
      assertThat(token.status()).isEqualTo(200);
      assertThat(token.text()).contains("\"token\":\"" + TOKEN + "\"");
      String wrong = Base64.getEncoder().encodeToString("me:nope".getBytes(StandardCharsets.UTF_8));
      assertThat(
              h.send("GET /v2/token HTTP/1.1\nHost: reg\nAuthorization: Basic " + wrong, null)
                  .read()
                  .status())
          .isEqualTo(401);
    }
  }

  @Test
  void anonymousPullLetsReadsThroughButNotWrites() throws Exception {
    try (TestServer s = start(true);
        RawHttp h = new RawHttp(s.server().registryAddress())) {
      // /v2/ challenges, so that clients with credentials fetch a token before they push; one
      // without gets the anonymous token, good for reads
      var base = h.send("GET /v2/ HTTP/1.1\nHost: reg", null).read();
      assertThat(base.status()).isEqualTo(401);
      assertThat(base.header("WWW-Authenticate"))
          .isEqualTo("Bearer realm=\"http://reg/v2/token\",service=\"strata\"");
      var anonymous = h.send("GET /v2/token?service=strata HTTP/1.1\nHost: reg", null).read();
      assertThat(anonymous.status()).isEqualTo(200);
      assertThat(anonymous.text()).contains("\"token\":\"anonymous\"");
      assertThat(
              h.send("GET /v2/ HTTP/1.1\nHost: reg\nAuthorization: Bearer anonymous", null)
                  .read()
                  .status())
          .isEqualTo(200);
      assertThat(
              h.send("GET /v2/ HTTP/1.1\nHost: reg\nAuthorization: Bearer " + TOKEN, null)
                  .read()
                  .status())
          .isEqualTo(200);
      assertThat(h.send("GET /v2/a/b/tags/list HTTP/1.1\nHost: reg", null).read().status())
          .isEqualTo(404);
      var push =
          h.send("POST /v2/a/b/blobs/uploads/ HTTP/1.1\nHost: reg\nContent-Length: 0", null).read();
      assertThat(push.status()).isEqualTo(401);
      var anonymousPush =
          h.send(
                  "POST /v2/a/b/blobs/uploads/ HTTP/1.1\nHost: reg\nContent-Length: 0\n"
                      + "Authorization: Bearer anonymous",
                  null)
              .read();
      assertThat(anonymousPush.status()).isEqualTo(401);
    }
  }

  /**
   * A pull of a Strata image the registry does not hold yet publishes it (a write under GET):
   * anonymous pull does not cover that, a client with the token does, and anonymous pulls of it
   * work once it is published.
   */
  @Test
  void anAnonymousPullThatWouldPublishAStrataImageNeedsTheToken() throws Exception {
    try (TestServer s = start(true);
        RawHttp h = new RawHttp(s.server().registryAddress())) {
      Path tf = dir.resolve("token");
      Files.writeString(tf, TOKEN);
      Files.setPosixFilePermissions(
          tf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      var imported =
          s.cli("--token-file", tf.toString(), "image", "import", writeTar(), "-t", "t/one:1");
      assertThat(imported.code()).as(imported.stderr()).isZero();
      for (String m : new String[] {"GET", "HEAD"}) {
        var refused =
            h.send(m + " /v2/t/one/manifests/1 HTTP/1.1\nHost: reg", null).read(m.equals("HEAD"));
        assertThat(refused.status()).as(m).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate"))
            .isEqualTo("Bearer realm=\"http://reg/v2/token\",service=\"strata\"");
      }
      assertThat(h.send("GET /v2/t/one/tags/list HTTP/1.1\nHost: reg", null).read().status())
          .as("nothing published")
          .isEqualTo(404);
      assertThat(h.send("GET /v2/t/none/manifests/1 HTTP/1.1\nHost: reg", null).read().status())
          .isEqualTo(404);
      var published =
          h.send(
                  "GET /v2/t/one/manifests/1 HTTP/1.1\nHost: reg\nAuthorization: Bearer " + TOKEN,
                  null)
              .read();
      assertThat(published.status()).isEqualTo(200);
      var pulled = h.send("GET /v2/t/one/manifests/1 HTTP/1.1\nHost: reg", null).read();
      assertThat(pulled.status()).isEqualTo(200);
      assertThat(pulled.body()).isEqualTo(published.body());
      assertThat(h.send("GET /v2/t/one/tags/list HTTP/1.1\nHost: reg", null).read().text())
          .contains("\"1\"");
    }
  }

  @Test
  void skopeoFollowsTheTokenFlowWithTheTokenAsPassword() throws Exception {
    Tools.require("skopeo");
    try (TestServer s = start(false)) {
      String r = "127.0.0.1:" + s.server().registryAddress().getPort();
      Path layout = dir.resolve("oci");
      Path tf = dir.resolve("token");
      Files.writeString(tf, TOKEN);
      Files.setPosixFilePermissions(
          tf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      var imported =
          s.cli("--token-file", tf.toString(), "image", "import", writeTar(), "-t", "t/one:1");
      assertThat(imported.code()).as(imported.stderr()).isZero();
      var exported =
          s.cli(
              "--token-file", tf.toString(), "image", "export", "t/one:1", "-o", layout.toString());
      assertThat(exported.code()).as(exported.stderr()).isZero();
      Process p =
          new ProcessBuilder(
                  "skopeo",
                  "copy",
                  "--dest-tls-verify=false",
                  "--dest-creds",
                  "me:" + TOKEN,
                  "oci:" + layout,
                  "docker://" + r + "/t/one:1")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      Process denied =
          new ProcessBuilder(
                  "skopeo",
                  "inspect",
                  "--tls-verify=false",
                  "--creds",
                  "me:wrong",
                  "docker://" + r + "/t/one:1")
              .redirectErrorStream(true)
              .start();
      denied.getInputStream().readAllBytes();
      assertThat(denied.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(denied.exitValue()).isNotZero();
    }
  }

  /**
   * `strata push`/`pull` against a registry: one that refuses the credentials or cannot be reached
   * exits 3, as another stratad would (and a build's pull does); a missing image exits 4.
   */
  @Test
  void registryFailuresExitAsServerFailures() throws Exception {
    try (TestServer s = start(false)) {
      String r = "127.0.0.1:" + s.server().registryAddress().getPort();
      Path tf = dir.resolve("token");
      Files.writeString(tf, TOKEN);
      Files.setPosixFilePermissions(
          tf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      String t = tf.toString();
      assertThat(s.cli("--token-file", t, "image", "import", writeTar(), "-t", "t/one:1").code())
          .isZero();

      var refused = s.cli("--token-file", t, "push", "t/one:1", r + "/t/one:1", "--plain-http");
      assertThat(refused.code()).as(refused.stderr()).isEqualTo(3);
      assertThat(refused.stderr()).contains("401");
      var refusedPull = s.cli("--token-file", t, "pull", r + "/t/one:1", "--plain-http");
      assertThat(refusedPull.code()).as(refusedPull.stderr()).isEqualTo(3);

      // an address nothing listens on
      java.net.ServerSocket closed = new java.net.ServerSocket(0);
      String nowhere = "127.0.0.1:" + closed.getLocalPort();
      closed.close();
      var unreachable = s.cli("--token-file", t, "pull", nowhere + "/t/one:1", "--plain-http");
      assertThat(unreachable.code()).as(unreachable.stderr()).isEqualTo(3);
      assertThat(unreachable.stderr()).contains("registry " + nowhere);
      var unreachablePush =
          s.cli("--token-file", t, "push", "t/one:1", nowhere + "/t/one:1", "--plain-http");
      assertThat(unreachablePush.code()).as(unreachablePush.stderr()).isEqualTo(3);

      var pushed =
          s.cli(
              "--token-file",
              t,
              "push",
              "t/one:1",
              r + "/t/one:1",
              "--plain-http",
              "--remote-token-file",
              t);
      assertThat(pushed.code()).as(pushed.stderr()).isZero();
      var missing =
          s.cli(
              "--token-file", t, "pull", r + "/t/none:1", "--plain-http", "--remote-token-file", t);
      assertThat(missing.code()).as(missing.stderr()).isEqualTo(4);
    }
  }

  private String writeTar() throws Exception {
    Path t = dir.resolve("one.tar");
    Files.write(t, Tars.of("etc/one", "one\n"));
    return t.toString();
  }

  @Test
  void theRegistryServesTlsWithTheGivenCertificate() throws Exception {
    Tools.require("openssl", "curl");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process gen =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    gen.getInputStream().readAllBytes();
    assertThat(gen.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(gen.exitValue()).isZero();
    RegistryConfig rc =
        new RegistryConfig(
            new HostPort("127.0.0.1", 0),
            cert,
            key,
            false,
            RegistryConfig.IDLE_TIMEOUT,
            RegistryConfig.UPLOAD_EXPIRY);
    try (TestServer s =
        TestServer.start(ServerConfig.loopback(dir.resolve("tls")).withRegistry(rc))) {
      int port = s.server().registryAddress().getPort();
      Process curl =
          new ProcessBuilder(
                  "curl",
                  "-s",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{http_code}",
                  "--cacert",
                  cert.toString(),
                  "https://127.0.0.1:" + port + "/v2/")
              .start();
      String code = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(code).isEqualTo("200");
    }
  }
}
